import { beforeEach, describe, expect, it } from "vitest";
import { anIso, call, newProject, type Project } from "../helpers";
import { contactFootprint, defineAttributes, defineTags, rows, upsert, upsertOk } from "./contacts.helpers";

const NUMBER = "+917428526285";
const PATH = "/v1/contacts/%2B917428526285";

let p: Project;
beforeEach(async () => {
  p = await newProject("contacts");
});

describe("POST /v1/contacts creates, then updates", () => {
  it("creates a contact with 201, created: true and the exact body", async () => {
    await defineTags(p.manager, "vip");
    await defineAttributes(p.manager, "city");
    const result = await upsert(p.manager, {
      number: NUMBER,
      name: "Asha Verma",
      source: "Website lead",
      tags: ["vip"],
      attributes: { city: "Pune" },
    });
    expect(result.status).toBe(201);
    expect(result.body).toEqual({
      contact: {
        number: NUMBER,
        name: "Asha Verma",
        source: "Website lead",
        tags: ["vip"],
        attributes: { city: "Pune" },
        optedOut: false,
        createdAt: anIso(),
        updatedAt: anIso(),
      },
      created: true,
      ignored: { tags: [], attributes: [] },
    });
    expect(result.body.contact.updatedAt).toBe(result.body.contact.createdAt);
  });

  it("creates a contact from the number alone, with empty defaults", async () => {
    const result = await upsert(p.manager, { number: NUMBER });
    expect(result.status).toBe(201);
    expect(result.body).toEqual({
      contact: {
        number: NUMBER,
        name: null,
        source: null,
        tags: [],
        attributes: {},
        optedOut: false,
        createdAt: anIso(),
        updatedAt: anIso(),
      },
      created: true,
      ignored: { tags: [], attributes: [] },
    });
  });

  it("updates the same number with 200, created: false, keeping createdAt", async () => {
    const first = await upsert(p.manager, { number: NUMBER, name: "Asha" });
    const second = await upsert(p.manager, { number: NUMBER, name: "Asha Verma" });
    expect(second.status).toBe(200);
    expect(second.body).toEqual({
      contact: { ...first.body.contact, name: "Asha Verma", updatedAt: anIso() },
      created: false,
      ignored: { tags: [], attributes: [] },
    });
    expect(second.body.contact.createdAt).toBe(first.body.contact.createdAt);
    expect(Date.parse(second.body.contact.updatedAt)).toBeGreaterThanOrEqual(Date.parse(first.body.contact.createdAt));
    const stored = await rows("SELECT name FROM contacts WHERE project_id = ?", p.id);
    expect(stored).toEqual([{ name: "Asha Verma" }]);
  });

  it("treats differently written forms of one number as the same contact", async () => {
    const created = await upsert(p.manager, { number: "+91 74285 26285", name: "Asha" });
    expect(created.status).toBe(201);
    for (const number of ["7428526285", "0091 7428526285", "+917428526285", "917428526285", "07428526285"]) {
      const again = await upsert(p.manager, { number });
      expect(again.status, number).toBe(200);
      expect(again.body.created).toBe(false);
      expect(again.body.contact).toMatchObject({ number: NUMBER, name: "Asha" });
    }
    expect(await rows("SELECT number FROM contacts WHERE project_id = ?", p.id)).toEqual([{ number: NUMBER }]);
  });

  it("keeps the values of omitted fields", async () => {
    await defineTags(p.manager, "vip");
    await defineAttributes(p.manager, "city");
    const first = await upsertOk(p.manager, {
      number: NUMBER,
      name: "Asha",
      source: "Website lead",
      tags: ["vip"],
      attributes: { city: "Pune" },
      optedOut: true,
    });
    const second = await upsert(p.manager, { number: NUMBER });
    expect(second.status).toBe(200);
    expect(second.body.contact).toEqual({ ...first, updatedAt: anIso() });
    const third = await upsert(p.manager, { number: NUMBER, source: "Import" });
    expect(third.body.contact).toEqual({ ...first, source: "Import", updatedAt: anIso() });
  });

  it("trims the name and source", async () => {
    const contact = await upsertOk(p.manager, { number: NUMBER, name: "  Asha  ", source: "\tImport\n" });
    expect(contact).toMatchObject({ name: "Asha", source: "Import" });
  });

  it("sets and clears optedOut only when it is given", async () => {
    expect((await upsertOk(p.manager, { number: NUMBER, optedOut: true })).optedOut).toBe(true);
    expect((await upsertOk(p.manager, { number: NUMBER, name: "Asha" }, 200)).optedOut).toBe(true);
    expect((await upsertOk(p.manager, { number: NUMBER, optedOut: false }, 200)).optedOut).toBe(false);
    expect((await upsertOk(p.manager, { number: NUMBER }, 200)).optedOut).toBe(false);
  });
});

describe("POST /v1/contacts tags", () => {
  beforeEach(async () => {
    await defineTags(p.manager, "vip", "lead", "cold");
  });

  it("adds tags to those the contact has, sorted, without duplicates", async () => {
    await upsertOk(p.manager, { number: NUMBER, tags: ["vip"] });
    const second = await upsertOk(p.manager, { number: NUMBER, tags: ["lead", "vip", "lead"] }, 200);
    expect(second.tags).toEqual(["lead", "vip"]);
    expect((await contactFootprint(p.id)).tags).toEqual([
      { number: NUMBER, name: "lead" },
      { number: NUMBER, name: "vip" },
    ]);
  });

  it("removes the tags in removeTags and keeps the rest", async () => {
    await upsertOk(p.manager, { number: NUMBER, tags: ["vip", "lead", "cold"] });
    const result = await upsert(p.manager, { number: NUMBER, removeTags: ["lead", "cold"] });
    expect(result.status).toBe(200);
    expect(result.body.contact.tags).toEqual(["vip"]);
    expect(result.body.ignored).toEqual({ tags: [], attributes: [] });
  });

  it("adds and removes in one request", async () => {
    await upsertOk(p.manager, { number: NUMBER, tags: ["vip"] });
    const contact = await upsertOk(p.manager, { number: NUMBER, tags: ["lead"], removeTags: ["vip"] }, 200);
    expect(contact.tags).toEqual(["lead"]);
  });

  it("applies removeTags after tags when a tag is in both", async () => {
    const contact = await upsertOk(p.manager, { number: NUMBER, tags: ["vip", "lead"], removeTags: ["vip"] });
    expect(contact.tags).toEqual(["lead"]);
  });

  it("removing a tag the contact does not have changes nothing", async () => {
    await upsertOk(p.manager, { number: NUMBER, tags: ["vip"] });
    const contact = await upsertOk(p.manager, { number: NUMBER, removeTags: ["cold"] }, 200);
    expect(contact.tags).toEqual(["vip"]);
  });

  it("removeTags on a new contact creates it without tags", async () => {
    const result = await upsert(p.manager, { number: NUMBER, removeTags: ["vip"] });
    expect(result.status).toBe(201);
    expect(result.body.contact.tags).toEqual([]);
  });

  it("an empty tags array changes nothing", async () => {
    await upsertOk(p.manager, { number: NUMBER, tags: ["vip"] });
    const contact = await upsertOk(p.manager, { number: NUMBER, tags: [], removeTags: [] }, 200);
    expect(contact.tags).toEqual(["vip"]);
  });

  it("matches tag names after trimming", async () => {
    const contact = await upsertOk(p.manager, { number: NUMBER, tags: ["  vip "] });
    expect(contact.tags).toEqual(["vip"]);
  });

  it("ignores undefined tags, lists them once in `ignored`, and still applies the defined ones", async () => {
    await upsertOk(p.manager, { number: NUMBER, tags: ["cold"] });
    const result = await upsert(p.manager, {
      number: NUMBER,
      tags: ["ghost", "vip", "ghost", "phantom"],
      removeTags: ["cold", "spectre"],
    });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      contact: expect.objectContaining({ number: NUMBER, tags: ["vip"] }),
      created: false,
      ignored: { tags: ["ghost", "phantom", "spectre"], attributes: [] },
    });
    expect(await rows("SELECT name FROM tags WHERE project_id = ? ORDER BY name", p.id)).toEqual([
      { name: "cold" },
      { name: "lead" },
      { name: "vip" },
    ]);
  });

  it("accepts 50 tags and 50 removeTags in one request", async () => {
    const many = Array.from({ length: 50 }, (_, i) => `t${String(i).padStart(2, "0")}`);
    const gone = Array.from({ length: 50 }, (_, i) => `r${String(i).padStart(2, "0")}`);
    await defineTags(p.manager, ...many.slice(0, 25), ...gone.slice(0, 25));
    await upsertOk(p.manager, { number: NUMBER, tags: gone.slice(0, 25) });
    const result = await upsert(p.manager, { number: NUMBER, tags: many, removeTags: gone });
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    expect(result.body.contact.tags).toEqual(many.slice(0, 25));
    expect(result.body.ignored).toEqual({ tags: [...many.slice(25), ...gone.slice(25)], attributes: [] });
  });
});

describe("POST /v1/contacts attributes", () => {
  beforeEach(async () => {
    await defineAttributes(p.manager, "city", "plan", "note");
  });

  it("sets attributes and overwrites them, keeping those not named", async () => {
    await upsertOk(p.manager, { number: NUMBER, attributes: { city: "Pune", plan: "gold" } });
    const contact = await upsertOk(p.manager, { number: NUMBER, attributes: { city: "Mumbai" } }, 200);
    expect(contact.attributes).toEqual({ city: "Mumbai", plan: "gold" });
    expect((await contactFootprint(p.id)).attributes).toEqual([
      { number: NUMBER, name: "city", value: "Mumbai" },
      { number: NUMBER, name: "plan", value: "gold" },
    ]);
  });

  it("returns attributes ordered by name", async () => {
    const contact = await upsertOk(p.manager, {
      number: NUMBER,
      attributes: { plan: "gold", city: "Pune", note: "x" },
    });
    expect(Object.keys(contact.attributes)).toEqual(["city", "note", "plan"]);
  });

  it("stores values verbatim: empty, unicode, quotes, 1024 characters", async () => {
    const values = { city: "", plan: `He said "hi" \\ 'ok' 🚀 शहर`, note: "n".repeat(1024) };
    const contact = await upsertOk(p.manager, { number: NUMBER, attributes: values });
    expect(contact.attributes).toEqual(values);
    const read = await call("GET", PATH, { key: p.manager });
    expect(read.body.attributes).toEqual(values);
  });

  it("stores a value that looks like SQL or JSON as plain text", async () => {
    const values = { city: "'); DROP TABLE contacts; --", plan: '{"a":1}' };
    const contact = await upsertOk(p.manager, { number: NUMBER, attributes: values });
    expect(contact.attributes).toEqual(values);
    expect(await rows("SELECT count(*) AS n FROM contacts WHERE project_id = ?", p.id)).toEqual([{ n: 1 }]);
  });

  it("ignores undefined attributes, lists them in `ignored`, and still sets the defined ones", async () => {
    const result = await upsert(p.manager, {
      number: NUMBER,
      attributes: { city: "Pune", ghost: "boo", plan: "gold", phantom: "x" },
    });
    expect(result.status).toBe(201);
    expect(result.body).toEqual({
      contact: expect.objectContaining({ attributes: { city: "Pune", plan: "gold" } }),
      created: true,
      ignored: { tags: [], attributes: ["ghost", "phantom"] },
    });
    expect(await rows("SELECT name FROM attributes WHERE project_id = ? ORDER BY name", p.id)).toEqual([
      { name: "city" },
      { name: "note" },
      { name: "plan" },
    ]);
  });

  it("reports undefined tags and attributes together", async () => {
    await defineTags(p.manager, "vip");
    const result = await upsert(p.manager, {
      number: NUMBER,
      tags: ["vip", "ghost"],
      attributes: { city: "Pune", spook: "x" },
    });
    expect(result.status).toBe(201);
    expect(result.body.contact).toMatchObject({ tags: ["vip"], attributes: { city: "Pune" } });
    expect(result.body.ignored).toEqual({ tags: ["ghost"], attributes: ["spook"] });
  });

  it("handles attribute names that are also Object.prototype members", async () => {
    await defineAttributes(p.manager, "constructor", "toString", "hasOwnProperty");
    const values = { constructor: "c", toString: "t", hasOwnProperty: "h" };
    const contact = await upsertOk(p.manager, { number: NUMBER, attributes: values });
    expect(contact.attributes).toEqual(values);
    const read = await call("GET", PATH, { key: p.manager });
    expect(read.body.attributes).toEqual(values);
  });

  it("accepts 50 attributes in one request", async () => {
    const names = Array.from({ length: 50 }, (_, i) => `a${String(i).padStart(2, "0")}`);
    await defineAttributes(p.manager, ...names);
    const values = Object.fromEntries(names.map((n) => [n, `v-${n}`]));
    const contact = await upsertOk(p.manager, { number: NUMBER, attributes: values });
    expect(contact.attributes).toEqual(values);
  });
});

describe("GET /v1/contacts/:number", () => {
  it("reads the contact by its URL-encoded E.164 number, raw plus, or digits without the plus", async () => {
    await defineTags(p.manager, "vip");
    const created = await upsertOk(p.manager, { number: NUMBER, name: "Asha", tags: ["vip"] });
    for (const path of [PATH, "/v1/contacts/+917428526285", "/v1/contacts/917428526285", "/v1/contacts/7428526285"]) {
      const result = await call("GET", path, { key: p.manager });
      expect(result.status, path).toBe(200);
      expect(result.body).toEqual(created);
    }
  });

  it("reads a non-Indian number by its encoded E.164 form", async () => {
    const created = await upsertOk(p.manager, { number: "+1 (213) 373-4253" });
    expect(created.number).toBe("+12133734253");
    const result = await call("GET", "/v1/contacts/%2B12133734253", { key: p.manager });
    expect(result.status).toBe(200);
    expect(result.body).toEqual(created);
  });

  it("answers 404 for a number the project does not have", async () => {
    await upsertOk(p.manager, { number: NUMBER });
    const result = await call("GET", "/v1/contacts/%2B917428526286", { key: p.manager });
    expect(result.status).toBe(404);
    expect(result.body).toEqual({
      error: { code: "not_found", message: "contact not found" },
      requestId: expect.any(String),
    });
  });

  it("reflects only its own tags and attributes among several contacts", async () => {
    await defineTags(p.manager, "a", "b", "c");
    await defineAttributes(p.manager, "x", "y");
    await upsertOk(p.manager, { number: "+917428526281", tags: ["a"], attributes: { x: "1" } });
    await upsertOk(p.manager, { number: "+917428526282", tags: ["b", "c"], attributes: { y: "2" } });
    await upsertOk(p.manager, { number: "+917428526283" });
    const one = await call("GET", "/v1/contacts/%2B917428526281", { key: p.manager });
    const two = await call("GET", "/v1/contacts/%2B917428526282", { key: p.manager });
    const three = await call("GET", "/v1/contacts/%2B917428526283", { key: p.manager });
    expect([one.body.tags, two.body.tags, three.body.tags]).toEqual([["a"], ["b", "c"], []]);
    expect([one.body.attributes, two.body.attributes, three.body.attributes]).toEqual([{ x: "1" }, { y: "2" }, {}]);
  });
});

describe("DELETE /v1/contacts/:number", () => {
  it("returns the deleted contact, then 404 on read and on a second delete", async () => {
    await defineTags(p.manager, "vip");
    await defineAttributes(p.manager, "city");
    const created = await upsertOk(p.manager, {
      number: NUMBER,
      name: "Asha",
      tags: ["vip"],
      attributes: { city: "P" },
    });
    const deleted = await call("DELETE", PATH, { key: p.manager });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual(created);
    const read = await call("GET", PATH, { key: p.manager });
    expect(read.status).toBe(404);
    expect(read.body.error.code).toBe("not_found");
    const again = await call("DELETE", PATH, { key: p.manager });
    expect(again.status).toBe(404);
    expect(again.body.error).toEqual({ code: "not_found", message: "contact not found" });
  });

  it("removes its tag and attribute rows but keeps the definitions", async () => {
    await defineTags(p.manager, "vip");
    await defineAttributes(p.manager, "city");
    await upsertOk(p.manager, { number: NUMBER, tags: ["vip"], attributes: { city: "Pune" } });
    const [{ id }] = (await rows<{ id: number }>(
      "SELECT id FROM contacts WHERE project_id = ? AND number = ?",
      p.id,
      NUMBER,
    )) as [{ id: number }];
    expect((await call("DELETE", PATH, { key: p.manager })).status).toBe(200);
    expect(await rows("SELECT * FROM contact_tags WHERE contact_id = ?", id)).toEqual([]);
    expect(await rows("SELECT * FROM contact_attributes WHERE contact_id = ?", id)).toEqual([]);
    expect(await contactFootprint(p.id)).toEqual({ contacts: [], tags: [], attributes: [] });
    expect((await call("GET", "/v1/tags", { key: p.manager })).body.data).toHaveLength(1);
    expect((await call("GET", "/v1/attributes", { key: p.manager })).body.data).toHaveLength(1);
  });

  it("deletes by the number without the plus, leaving other contacts", async () => {
    await upsertOk(p.manager, { number: NUMBER });
    await upsertOk(p.manager, { number: "+917428526286" });
    const deleted = await call("DELETE", "/v1/contacts/917428526285", { key: p.manager });
    expect(deleted.status).toBe(200);
    expect(deleted.body.number).toBe(NUMBER);
    expect((await call("GET", "/v1/contacts/%2B917428526286", { key: p.manager })).status).toBe(200);
  });

  it("lets the number be created afresh afterwards, without its old tags", async () => {
    await defineTags(p.manager, "vip");
    await upsertOk(p.manager, { number: NUMBER, name: "Asha", tags: ["vip"] });
    await call("DELETE", PATH, { key: p.manager });
    const result = await upsert(p.manager, { number: NUMBER });
    expect(result.status).toBe(201);
    expect(result.body.created).toBe(true);
    expect(result.body.contact).toMatchObject({ name: null, tags: [], attributes: {} });
  });

  it("answers 404 for a number never stored", async () => {
    const result = await call("DELETE", PATH, { key: p.manager });
    expect(result.status).toBe(404);
    expect(result.body.error.code).toBe("not_found");
  });
});
