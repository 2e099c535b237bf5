import { beforeEach, describe, expect, it } from "vitest";
import {
  contactFootprint,
  defineAttributes,
  defineTags,
  listAll,
  rows,
  upsert,
  upsertOk,
} from "../contacts/contacts.helpers";
import { call, expectError, newProject, type Project } from "../helpers";

const NUMBER = "+917428526285";
const PATH = "/v1/contacts/%2B917428526285";
const names = (data: { name: string }[]) => data.map((d) => d.name);

let a: Project;
let b: Project;
let bContact: Record<string, unknown>;

// Project B owns a tag, an attribute and a contact that carries both; project A starts empty.
beforeEach(async () => {
  a = await newProject("tenant A");
  b = await newProject("tenant B");
  await defineTags(b.manager, "vip", "b-only");
  await defineAttributes(b.manager, "city");
  bContact = await upsertOk(b.manager, {
    number: NUMBER,
    name: "B's contact",
    source: "B source",
    tags: ["vip", "b-only"],
    attributes: { city: "Pune" },
  });
});

/** B's data as B sees it, to compare before and after A acts. */
async function bState() {
  return {
    contact: (await call("GET", PATH, { key: b.manager })).body,
    tags: await listAll("/v1/tags", b.manager),
    attributes: await listAll("/v1/attributes", b.manager),
    contacts: await listAll("/v1/contacts", b.manager),
    footprint: await contactFootprint(b.id),
  };
}

describe("project A cannot read project B's data", () => {
  it("B's contact by number is 404 for A, in every spelling", async () => {
    for (const path of [PATH, "/v1/contacts/+917428526285", "/v1/contacts/917428526285", "/v1/contacts/7428526285"]) {
      const result = await call("GET", path, { key: a.manager });
      expect(result.status, path).toBe(404);
      expect(result.body.error).toEqual({ code: "not_found", message: "contact not found" });
    }
  });

  it("A's lists of tags, attributes and contacts are empty", async () => {
    for (const key of [a.manager, a.sender]) {
      expect((await call("GET", "/v1/tags", { key })).body).toEqual({ data: [], nextCursor: null });
      expect((await call("GET", "/v1/attributes", { key })).body).toEqual({ data: [], nextCursor: null });
    }
    expect((await call("GET", "/v1/contacts", { key: a.manager })).body).toEqual({ data: [], nextCursor: null });
  });

  it("A's filters never match B's contacts", async () => {
    await defineTags(a.manager, "vip");
    await defineAttributes(a.manager, "city");
    for (const query of ["tag=vip", "tag=b-only", "source=B%20source", "attribute=city:Pune"]) {
      const result = await call("GET", `/v1/contacts?${query}`, { key: a.manager });
      expect(result.body, query).toEqual({ data: [], nextCursor: null });
    }
  });

  it("A sees only A's data when both have some", async () => {
    await defineTags(a.manager, "a-tag");
    await defineAttributes(a.manager, "a-attr");
    const mine = await upsertOk(a.manager, { number: "+917428526286", tags: ["a-tag"] });
    expect(names(await listAll("/v1/tags", a.manager))).toEqual(["a-tag"]);
    expect(names(await listAll("/v1/attributes", a.manager))).toEqual(["a-attr"]);
    expect(await listAll("/v1/contacts", a.manager)).toEqual([mine]);
    expect(await listAll("/v1/contacts", b.manager)).toEqual([bContact]);
  });

  it("a cursor taken from B's listing does not reveal B's rows to A", async () => {
    await upsertOk(b.manager, { number: "+917428526287" });
    await upsertOk(b.manager, { number: "+917428526288" });
    const bPage = await call("GET", "/v1/contacts?limit=1", { key: b.manager });
    const result = await call("GET", `/v1/contacts?cursor=${bPage.body.nextCursor}`, { key: a.manager });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ data: [], nextCursor: null });
  });
});

describe("project A cannot change or delete project B's data", () => {
  it("deleting B's contact with A's key is 404 and B's contact is intact", async () => {
    const before = await bState();
    for (const path of [PATH, "/v1/contacts/917428526285"]) {
      expectError(await call("DELETE", path, { key: a.manager }), 404, "not_found");
    }
    expect(await bState()).toEqual(before);
  });

  it("upserting B's number with A's key creates A's own contact and leaves B's alone", async () => {
    const before = await bState();
    const result = await upsert(a.manager, {
      number: NUMBER,
      name: "A's contact",
      tags: ["vip"],
      removeTags: ["b-only"],
      attributes: { city: "Delhi" },
      optedOut: true,
    });
    expect(result.status).toBe(201);
    expect(result.body.created).toBe(true);
    // B's tag and attribute names mean nothing in A: they are ignored, not borrowed.
    expect(result.body.contact).toMatchObject({ number: NUMBER, name: "A's contact", tags: [], attributes: {} });
    expect(result.body.ignored).toEqual({ tags: ["vip", "b-only"], attributes: ["city"] });
    expect(await bState()).toEqual(before);
    const stored = await rows<{ project_id: string; name: string }>(
      "SELECT project_id, name FROM contacts WHERE number = ? AND project_id IN (?, ?)",
      NUMBER,
      a.id,
      b.id,
    );
    expect(stored.sort((x, y) => x.name.localeCompare(y.name))).toEqual([
      { project_id: a.id, name: "A's contact" },
      { project_id: b.id, name: "B's contact" },
    ]);
  });

  it("A removing and setting its own same-named tags on the same number never touches B's contact", async () => {
    await defineTags(a.manager, "vip", "b-only");
    await defineAttributes(a.manager, "city");
    await upsertOk(a.manager, { number: NUMBER, tags: ["vip", "b-only"], attributes: { city: "A city" } });
    const before = await bState();
    const result = await upsert(a.manager, {
      number: NUMBER,
      removeTags: ["vip", "b-only"],
      attributes: { city: "X" },
    });
    expect(result.status).toBe(200);
    expect(result.body.contact).toMatchObject({ tags: [], attributes: { city: "X" } });
    expect(await bState()).toEqual(before);
  });

  it("A may define a tag with B's name; it is independent of B's", async () => {
    const created = await call("POST", "/v1/tags", { key: a.manager, body: { name: "vip" } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ name: "vip", createdAt: expect.any(String) });
    const attr = await call("POST", "/v1/attributes", { key: a.manager, body: { name: "city" } });
    expect(attr.status).toBe(201);
    expect(names(await listAll("/v1/tags", a.manager))).toEqual(["vip"]);
    expect(names(await listAll("/v1/tags", b.manager))).toEqual(["b-only", "vip"]);
    // B's own duplicate is still a conflict in B only.
    expectError(await call("POST", "/v1/tags", { key: b.manager, body: { name: "vip" } }), 409, "conflict");
  });

  it("A deleting B's tag or attribute name, not defined in A, is 404 and changes nothing", async () => {
    const before = await bState();
    expectError(await call("DELETE", "/v1/tags/vip", { key: a.manager }), 404, "not_found");
    expectError(await call("DELETE", "/v1/attributes/city", { key: a.manager }), 404, "not_found");
    expect(await bState()).toEqual(before);
  });

  it("A deleting its own tag of the same name only affects A", async () => {
    await defineTags(a.manager, "vip");
    await defineAttributes(a.manager, "city");
    await upsertOk(a.manager, { number: NUMBER, tags: ["vip"], attributes: { city: "A city" } });
    const before = await bState();
    expect((await call("DELETE", "/v1/tags/vip", { key: a.manager })).status).toBe(200);
    expect((await call("DELETE", "/v1/attributes/city", { key: a.manager })).status).toBe(200);
    expect(await bState()).toEqual(before);
    expect((await call("GET", PATH, { key: a.manager })).body).toMatchObject({ tags: [], attributes: {} });
    expect(names(await listAll("/v1/tags", a.manager))).toEqual([]);
  });

  it("A deleting its own contact with B's number leaves B's", async () => {
    await upsertOk(a.manager, { number: NUMBER, name: "A's contact" });
    const before = await bState();
    const deleted = await call("DELETE", PATH, { key: a.manager });
    expect(deleted.status).toBe(200);
    expect(deleted.body.name).toBe("A's contact");
    expect(await bState()).toEqual(before);
  });

  it("tags shown on a contact are only its own project's, even when ids line up across projects", async () => {
    // Several contacts and tags in both projects, so tag ids and contact ids overlap in value.
    await defineTags(a.manager, "a1", "a2", "a3");
    for (const n of [1, 2, 3]) await upsertOk(a.manager, { number: `+91742852629${n}`, tags: [`a${n}`] });
    for (const n of [1, 2, 3]) {
      const contact = (await call("GET", `/v1/contacts/%2B91742852629${n}`, { key: a.manager })).body;
      expect(contact.tags).toEqual([`a${n}`]);
    }
    expect((await call("GET", PATH, { key: b.manager })).body.tags).toEqual(["b-only", "vip"]);
  });
});
