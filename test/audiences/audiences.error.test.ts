import { beforeEach, describe, expect, it } from "vitest";
import { INVALID_NUMBER, rows } from "../contacts/contacts.helpers";
import { type CallOptions, call, expectError, newProject, type Project } from "../helpers";
import { audienceContacts, createAudience, createAudienceOk, numbers } from "./audiences.helpers";

let p: Project;
beforeEach(async () => {
  p = await newProject("audience errors");
});

const footprint = async (projectId: string) => ({
  audiences: await rows("SELECT id FROM audiences WHERE project_id = ?", projectId),
  contacts: await rows("SELECT number FROM contacts WHERE project_id = ?", projectId),
});

describe("POST /v1/create/audience rejects bad input, writing nothing", () => {
  it.each([
    ["no id", { name: "A" }, ["id"]],
    ["an empty id", { id: "", name: "A" }, ["id"]],
    ["an id with a space", { id: "my audience", name: "A" }, ["id"]],
    ["an id with a slash", { id: "a/b", name: "A" }, ["id"]],
    ["a 101-character id", { id: "a".repeat(101), name: "A" }, ["id"]],
    ["the reserved id all", { id: "all", name: "A" }, ["id"]],
    ["the reserved name all", { id: "x", name: "all" }, ["name"]],
    ["no name for a new id", { id: "x" }, ["name"]],
    ["a blank name", { id: "x", name: "  " }, ["name"]],
    ["contacts that are not an array", { id: "x", name: "A", contacts: "+917428526285" }, ["contacts"]],
    ["a contact without number", { id: "x", name: "A", contacts: [{ name: "Asha" }] }, ["contacts.0.number"]],
    ["a boolean number", { id: "x", name: "A", contacts: [{ number: true }] }, ["contacts.0.number"]],
    ["1,001 contacts", { id: "x", name: "A", contacts: numbers(1001).map((number) => ({ number })) }, ["contacts"]],
    ["both contacts and filter", { id: "x", name: "A", contacts: [], filter: { source: "s" } }, ["filter"]],
  ])("%s -> 400 naming the field", async (_, body, fields) => {
    const result = await createAudience(p.manager, body);
    expectError(result, 400, "validation_failed", fields);
    expect(await footprint(p.id)).toEqual({ audiences: [], contacts: [] });
  });

  it("names every invalid number by its index, and writes none of the valid ones", async () => {
    const result = await createAudience(p.manager, {
      id: "x",
      name: "A",
      contacts: [{ number: "+917428526285" }, { number: "hello" }, { number: "12" }, { number: "+917428526286" }],
    });
    expect(result.status).toBe(400);
    expect(result.body.error.fields).toEqual([
      { field: "contacts.1.number", in: "body", message: INVALID_NUMBER },
      { field: "contacts.2.number", in: "body", message: INVALID_NUMBER },
    ]);
    expect(await footprint(p.id)).toEqual({ audiences: [], contacts: [] });
  });

  it("leaves an existing audience as it was when an addition has a bad number", async () => {
    await createAudienceOk(p.manager, { id: "x", name: "A", contacts: [{ number: "+917428526285" }] });
    const result = await createAudience(p.manager, {
      id: "x",
      name: "Renamed",
      contacts: [{ number: "+917428526286" }, { number: "nope" }],
    });
    expectError(result, 400, "validation_failed", ["contacts.1.number"]);
    expect(await rows("SELECT name FROM audiences WHERE project_id = ?", p.id)).toEqual([{ name: "A" }]);
    expect(await rows("SELECT number FROM contacts WHERE project_id = ?", p.id)).toEqual([{ number: "+917428526285" }]);
  });

  it("409s a name another audience has, with a message that says so", async () => {
    await createAudienceOk(p.manager, { id: "first", name: "Frequent Shoppers" });
    const result = await createAudience(p.manager, { id: "second", name: "Frequent Shoppers" });
    expectError(result, 409, "conflict");
    expect(result.body.error.message).toBe(
      'an audience named "Frequent Shoppers" already exists (id first); names are unique because runs may name audiences by name',
    );
    const rename = await createAudience(p.manager, { id: "first2", name: "Other" });
    expect(rename.status).toBe(201);
    expectError(await createAudience(p.manager, { id: "first2", name: "Frequent Shoppers" }), 409, "conflict");
  });

  it("409s turning a list into a segment, and adding contacts to a segment", async () => {
    await createAudienceOk(p.manager, { id: "list", name: "List" });
    await createAudienceOk(p.manager, { id: "seg", name: "Seg", filter: { source: "Website lead" } });
    expectError(await createAudience(p.manager, { id: "list", filter: { source: "x" } }), 409, "conflict");
    expectError(
      await createAudience(p.manager, { id: "seg", contacts: [{ number: "+917428526285" }] }),
      409,
      "conflict",
    );
    expect(await rows("SELECT number FROM contacts WHERE project_id = ?", p.id)).toEqual([]);
  });
});

describe("the other audience routes reject bad input", () => {
  it.each([
    ["no id", {}, ["id"]],
    ["a limit of 0", { id: "x", limit: 0 }, ["limit"]],
    ["a limit of 501", { id: "x", limit: 501 }, ["limit"]],
    ["a cursor the API never gave", { id: "x", cursor: "bogus" }, ["cursor"]],
  ])("retrieve/audience/contacts with %s -> 400", async (_, body, fields) => {
    await createAudienceOk(p.manager, { id: "x", name: "X" });
    const result = await audienceContacts(p.manager, body);
    expectError(result, 400, "validation_failed", fields);
    expect(result.body.error.fields[0].in).toBe("body");
    const query = new URLSearchParams(Object.entries(body).map(([k, v]) => [k, String(v)])).toString();
    const byGet = await call("GET", `/v1/retrieve/audience/contacts?${query}`, { key: p.manager });
    expectError(byGet, 400, "validation_failed", fields);
    expect(byGet.body.error.fields[0].in).toBe("query");
  });

  it.each([
    ["a limit of 0", "limit=0", { limit: 0 }],
    ["a cursor the API never gave", "cursor=bogus", { cursor: "bogus" }],
  ])("retrieve/audiences with %s -> 400", async (_, query, body) => {
    const fields = [Object.keys(body)[0] as string];
    expectError(
      await call("GET", `/v1/retrieve/audiences?${query}`, { key: p.manager }),
      400,
      "validation_failed",
      fields,
    );
    expectError(
      await call("POST", "/v1/retrieve/audiences", { key: p.manager, body }),
      400,
      "validation_failed",
      fields,
    );
  });

  it("400s malformed JSON on the POST retrieve calls", async () => {
    const result = await call("POST", "/v1/retrieve/audiences", {
      key: p.manager,
      raw: "{bad",
      headers: { "content-type": "application/json" },
    });
    expectError(result, 400, "malformed_json");
  });

  it.each([
    ["no contacts", { id: "x" }, ["contacts"]],
    ["an empty list", { id: "x", contacts: [] }, ["contacts"]],
    ["a bad number", { id: "x", contacts: [{ number: "+917428526285" }, { number: "bad" }] }, ["contacts.1.number"]],
  ])("remove/audience/contacts with %s -> 400", async (_, body, fields) => {
    await createAudienceOk(p.manager, { id: "x", name: "X", contacts: [{ number: "+917428526285" }] });
    const result = await call("POST", "/v1/remove/audience/contacts", { key: p.manager, body });
    expectError(result, 400, "validation_failed", fields);
    expect((await audienceContacts(p.manager, { id: "x" })).body.contacts).toHaveLength(1);
  });

  it("remove/audience/contacts 409s a segment", async () => {
    await createAudienceOk(p.manager, { id: "seg", name: "Seg", filter: { source: "x" } });
    const result = await call("POST", "/v1/remove/audience/contacts", {
      key: p.manager,
      body: { id: "seg", contacts: [{ number: "+917428526285" }] },
    });
    expectError(result, 409, "conflict");
  });

  it("unknown audiences are 404 on every route that names one", async () => {
    const key = p.manager;
    expectError(await audienceContacts(key, { id: "nope" }), 404, "not_found");
    expectError(await call("GET", "/v1/retrieve/audience/contacts?id=nope", { key }), 404, "not_found");
    expectError(await audienceContacts(key, { id: "all" }), 404, "not_found");
    expectError(
      await call("POST", "/v1/remove/audience/contacts", {
        key,
        body: { id: "nope", contacts: [{ number: "+917428526285" }] },
      }),
      404,
      "not_found",
    );
    expectError(await call("DELETE", "/v1/audiences/nope", { key }), 404, "not_found");
    expectError(await call("DELETE", "/v1/audiences/a%20b", { key }), 400, "validation_failed", ["id"]);
  });
});

// Every audience route, with a body valid for it.
const routes: [string, string, CallOptions["body"]][] = [
  ["POST", "/v1/create/audience", { id: "x", name: "X" }],
  ["GET", "/v1/retrieve/audiences", undefined],
  ["POST", "/v1/retrieve/audiences", {}],
  ["GET", "/v1/retrieve/audience/contacts?id=x", undefined],
  ["POST", "/v1/retrieve/audience/contacts", { id: "x" }],
  ["POST", "/v1/remove/audience/contacts", { id: "x", contacts: [{ number: "+917428526285" }] }],
  ["DELETE", "/v1/audiences/x", undefined],
];

describe("audience routes: credentials, roles and tenancy", () => {
  it.each(routes)("%s %s is 401 without a key or with an unknown one", async (method, path, body) => {
    expectError(await call(method, path, { body }), 401, "unauthorized");
    expectError(await call(method, path, { body, headers: { authorization: "wak_unknown" } }), 401, "unauthorized");
  });

  it.each(routes)("%s %s is 403 for a sender key", async (method, path, body) => {
    await createAudienceOk(p.manager, { id: "x", name: "X", contacts: [{ number: "+917428526285" }] });
    const result = await call(method, path, { key: p.sender, body });
    expectError(result, 403, "forbidden");
    expect(result.body.error.message).toBe("this action needs a manager key; the key used has the sender role");
  });

  it("another project's audience is 404, is never listed, and its id and name are free", async () => {
    const other = await newProject("other tenant");
    await createAudienceOk(other.manager, { id: "x", name: "X", contacts: [{ number: "+917428526285" }] });
    for (const [method, path, body] of routes.slice(3)) {
      const result = await call(method, path, { key: p.manager, body });
      expect(result.status, `${method} ${path}`).toBe(404);
      expect(result.body.error).toEqual({ code: "not_found", message: "audience not found" });
    }
    const listed = await call("GET", "/v1/retrieve/audiences", { key: p.manager });
    expect(listed.body).toEqual({ status: "success", audiences: [], nextCursor: null });
    // The same id and name in this project are a new audience, not the other's.
    const mine = await createAudienceOk(p.manager, { id: "x", name: "X" });
    expect(mine).toMatchObject({ added: 0, audience: { contacts: 0 } });
    const theirs = await audienceContacts(other.manager, { id: "x" });
    expect(theirs.body.contacts).toHaveLength(1);
  });

  it("a cursor from another project's listing reveals nothing", async () => {
    const other = await newProject("other tenant");
    for (const id of ["a", "b", "c"]) await createAudienceOk(other.manager, { id, name: id });
    const theirs = await call("GET", "/v1/retrieve/audiences?limit=1", { key: other.manager });
    const mine = await call("GET", `/v1/retrieve/audiences?cursor=${theirs.body.nextCursor}`, { key: p.manager });
    expect(mine.body).toEqual({ status: "success", audiences: [], nextCursor: null });
  });
});
