import { beforeEach, describe, expect, it } from "vitest";
import { contactFootprint, defineAttributes, defineTags, upsertOk } from "../contacts/contacts.helpers";
import { call, expectError, newProject, type Project } from "../helpers";

const NUMBER = "+917428526285";
const PATH = "/v1/contacts/%2B917428526285";

let p: Project;
beforeEach(async () => {
  p = await newProject("roles");
  await defineTags(p.manager, "vip");
  await defineAttributes(p.manager, "city");
  await upsertOk(p.manager, { number: NUMBER, name: "Asha", tags: ["vip"], attributes: { city: "Pune" } });
});

const contactRoutes: [string, string, unknown?][] = [
  ["POST", "/v1/contacts", { number: NUMBER, name: "Changed", removeTags: ["vip"] }],
  ["POST", "/v1/contacts", { number: "+917428526286" }],
  ["GET", "/v1/contacts"],
  ["GET", "/v1/contacts?tag=vip"],
  ["GET", PATH],
  ["GET", "/v1/contacts/%2B917428526286"],
  ["DELETE", PATH],
  ["DELETE", "/v1/contacts/%2B917428526286"],
  // Invalid input still gets 403 first: a sender learns nothing from validation.
  ["POST", "/v1/contacts", { number: "hello" }],
  ["GET", "/v1/contacts/hello"],
  ["GET", "/v1/contacts?attribute=bad"],
];

describe("a sender key on contact routes", () => {
  it.each(contactRoutes)("%s %s -> 403 forbidden", async (method, path, body) => {
    const before = await contactFootprint(p.id);
    const result = await call(method, path, { key: p.sender, body });
    expect(result.status).toBe(403);
    expect(result.body).toEqual({
      error: { code: "forbidden", message: "this action needs a manager key; the key used has the sender role" },
      requestId: expect.any(String),
    });
    expect(await contactFootprint(p.id)).toEqual(before);
  });
});

describe("a manager key on contact routes", () => {
  it("may upsert, list, read and delete", async () => {
    expect((await call("POST", "/v1/contacts", { key: p.manager, body: { number: NUMBER } })).status).toBe(200);
    expect((await call("GET", "/v1/contacts", { key: p.manager })).status).toBe(200);
    expect((await call("GET", PATH, { key: p.manager })).status).toBe(200);
    expect((await call("DELETE", PATH, { key: p.manager })).status).toBe(200);
    expect(await contactFootprint(p.id)).toEqual({ contacts: [], tags: [], attributes: [] });
  });

  it("may send the key raw, without `Bearer`", async () => {
    const result = await call("GET", PATH, { headers: { authorization: p.manager } });
    expect(result.status).toBe(200);
    expect(result.body.number).toBe(NUMBER);
  });
});

describe("without a valid key", () => {
  it.each(contactRoutes.slice(0, 8))("%s %s -> 401 unauthorized", async (method, path, body) => {
    expectError(await call(method, path, { body }), 401, "unauthorized");
    expectError(await call(method, path, { body, key: "wak_unknown" }), 401, "unauthorized");
  });
});

describe("a sender key on tag and attribute routes", () => {
  it.each(["tags", "attributes"])("may list /v1/%s but not create or delete", async (kind) => {
    const list = await call("GET", `/v1/${kind}`, { key: p.sender });
    expect(list.status).toBe(200);
    expect(list.body.data.map((d: { name: string }) => d.name)).toEqual([kind === "tags" ? "vip" : "city"]);
    expectError(await call("POST", `/v1/${kind}`, { key: p.sender, body: { name: "new" } }), 403, "forbidden");
    const existing = kind === "tags" ? "vip" : "city";
    expectError(await call("DELETE", `/v1/${kind}/${existing}`, { key: p.sender }), 403, "forbidden");
    const after = await call("GET", `/v1/${kind}`, { key: p.manager });
    expect(after.body.data.map((d: { name: string }) => d.name)).toEqual([existing]);
  });
});
