import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { call, expectError, newProject, type Project } from "../helpers";
import { contactFootprint, defineAttributes, defineTags, INVALID_NUMBER, upsert, upsertOk } from "./contacts.helpers";

const NUMBER = "+917428526285";

let p: Project;
beforeEach(async () => {
  p = await newProject("contact errors");
  await defineTags(p.manager, "vip");
  await defineAttributes(p.manager, "city");
});

describe("POST /v1/contacts rejects an invalid number", () => {
  it.each(["12", "hello", "+1 999", "+91 7428526285 ext 1", "++917428526285", "+9174285262851234", "74285"])(
    "%j -> 400 naming `number`, with the reason",
    async (number) => {
      const result = await upsert(p.manager, { number });
      expect(result.status).toBe(400);
      expect(result.body).toEqual({
        error: {
          code: "validation_failed",
          message: `number: ${INVALID_NUMBER}`,
          fields: [{ field: "number", in: "body", message: INVALID_NUMBER }],
        },
        requestId: expect.any(String),
      });
    },
  );

  it.each([
    ["empty", ""],
    ["missing", undefined],
    ["null", null],
    ["a JSON number", 917428526285],
    ["longer than 32 characters", `+91 ${"7".repeat(40)}`],
  ])("a number that is %s -> 400 naming `number`", async (_, number) => {
    const result = await upsert(p.manager, number === undefined ? { name: "Asha" } : { number });
    expectError(result, 400, "validation_failed", ["number"]);
    expect(result.body.error.fields[0].in).toBe("body");
  });

  it("writes nothing for a rejected number", async () => {
    await upsert(p.manager, { number: "hello", name: "Asha", tags: ["vip"], attributes: { city: "Pune" } });
    expect(await contactFootprint(p.id)).toEqual({ contacts: [], tags: [], attributes: [] });
  });
});

describe("POST /v1/contacts rejects invalid fields with 400 naming each", () => {
  it.each([
    ["an empty name", { name: "" }, ["name"]],
    ["a blank name", { name: "   " }, ["name"]],
    ["a non-string name", { name: 5 }, ["name"]],
    ["a 257-character name", { name: "n".repeat(257) }, ["name"]],
    ["a null source", { source: null }, ["source"]],
    ["a 257-character source", { source: "s".repeat(257) }, ["source"]],
    ["a non-boolean optedOut", { optedOut: "yes" }, ["optedOut"]],
    ["tags that are not an array", { tags: "vip" }, ["tags"]],
    ["an empty tag name", { tags: ["vip", ""] }, ["tags.1"]],
    ["a tag name with a control character", { tags: ["v\u0000ip"] }, ["tags.0"]],
    ["a tag name longer than 64 characters", { tags: ["t".repeat(65)] }, ["tags.0"]],
    ["a non-string tag", { tags: [7] }, ["tags.0"]],
    ["51 tags", { tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }, ["tags"]],
    ["51 removeTags", { removeTags: Array.from({ length: 51 }, (_, i) => `t${i}`) }, ["removeTags"]],
    ["a bad removeTags entry", { removeTags: ["ok", "\u0007"] }, ["removeTags.1"]],
    ["attributes that are an array", { attributes: ["city"] }, ["attributes"]],
    ["a numeric attribute value", { attributes: { city: 5 } }, ["attributes.city"]],
    ["a boolean attribute value", { attributes: { city: true } }, ["attributes.city"]],
    ["a null attribute value", { attributes: { city: null } }, ["attributes.city"]],
    ["an object attribute value", { attributes: { city: { name: "Pune" } } }, ["attributes.city"]],
    ["an array attribute value", { attributes: { city: ["Pune"] } }, ["attributes.city"]],
    ["a 1025-character attribute value", { attributes: { city: "c".repeat(1025) } }, ["attributes.city"]],
    [
      "51 attributes",
      { attributes: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`a${i}`, "v"])) },
      ["attributes"],
    ],
  ])("%s", async (_, fields, names) => {
    const result = await upsert(p.manager, { number: NUMBER, ...fields });
    expectError(result, 400, "validation_failed", names);
    for (const field of result.body.error.fields) expect(field.in).toBe("body");
    expect(await contactFootprint(p.id)).toEqual({ contacts: [], tags: [], attributes: [] });
  });

  it("names every offending field at once", async () => {
    const result = await upsert(p.manager, {
      number: NUMBER,
      name: "",
      tags: [""],
      attributes: { city: 1 },
      optedOut: "no",
    });
    expectError(result, 400, "validation_failed");
    expect(result.body.error.fields.map((f: { field: string }) => f.field).sort()).toEqual(
      ["attributes.city", "name", "optedOut", "tags.0"].sort(),
    );
  });

  it.each([
    ["longer than 64 characters", "c".repeat(65)],
    ["empty", ""],
    ["with a control character", "ci\u0001ty"],
  ])("rejects an attribute name that is %s, naming it", async (_, name) => {
    const result = await upsert(p.manager, { number: NUMBER, attributes: { [name]: "v" } });
    expectError(result, 400, "validation_failed", [`attributes.${name}`]);
    expect(await contactFootprint(p.id)).toEqual({ contacts: [], tags: [], attributes: [] });
  });

  it("rejects a body that is not an object", async () => {
    for (const body of [[NUMBER], "+917428526285", 42, null]) {
      const result = await upsert(p.manager, body);
      expectError(result, 400, "validation_failed", ["(root)"]);
    }
  });

  it("rejects malformed JSON with 400 malformed_json", async () => {
    const result = await call("POST", "/v1/contacts", {
      key: p.manager,
      raw: '{"number": "+917428526285",',
      headers: { "content-type": "application/json" },
    });
    expectError(result, 400, "malformed_json");
    expect(await contactFootprint(p.id)).toEqual({ contacts: [], tags: [], attributes: [] });
  });
});

describe("the upsert is atomic", () => {
  it("an invalid field in an update leaves the stored contact exactly as it was", async () => {
    const before = await upsertOk(p.manager, {
      number: NUMBER,
      name: "Asha",
      source: "Website",
      tags: ["vip"],
      attributes: { city: "Pune" },
    });
    const footprint = await contactFootprint(p.id);
    const result = await upsert(p.manager, {
      number: NUMBER,
      name: "Changed",
      source: "Changed",
      removeTags: ["vip"],
      attributes: { city: "Delhi", other: 5 },
      optedOut: true,
    });
    expectError(result, 400, "validation_failed", ["attributes.other"]);
    expect(await contactFootprint(p.id)).toEqual(footprint);
    const read = await call("GET", "/v1/contacts/%2B917428526285", { key: p.manager });
    expect(read.body).toEqual(before);
  });

  describe("when a statement fails inside the database", () => {
    // A trigger makes the last statement of the batch (the attribute write) fail, after the
    // contact row and its tags were written: none of them may survive.
    const BOOM = "boom-atomicity-check";
    beforeEach(async () => {
      await env.DB.exec(
        `CREATE TRIGGER IF NOT EXISTS fail_attribute BEFORE INSERT ON contact_attributes WHEN NEW.value = '${BOOM}' BEGIN SELECT RAISE(ABORT, 'forced failure'); END;`,
      );
    });
    afterEach(async () => {
      await env.DB.exec("DROP TRIGGER IF EXISTS fail_attribute;");
    });

    it("a new contact is not created, nor its tags", async () => {
      const result = await upsert(p.manager, {
        number: NUMBER,
        name: "Asha",
        tags: ["vip"],
        attributes: { city: BOOM },
      });
      expect(result.status).toBe(500);
      expect(result.body).toEqual({
        error: { code: "internal_error", message: "internal error" },
        requestId: expect.any(String),
      });
      expect(await contactFootprint(p.id)).toEqual({ contacts: [], tags: [], attributes: [] });
    });

    it("an existing contact keeps its fields, tags and attributes", async () => {
      await defineTags(p.manager, "lead");
      const before = await upsertOk(p.manager, {
        number: NUMBER,
        name: "Asha",
        tags: ["vip"],
        attributes: { city: "Pune" },
      });
      const footprint = await contactFootprint(p.id);
      const result = await upsert(p.manager, {
        number: NUMBER,
        name: "Changed",
        optedOut: true,
        tags: ["lead"],
        removeTags: ["vip"],
        attributes: { city: BOOM },
      });
      expect(result.status).toBe(500);
      expect(await contactFootprint(p.id)).toEqual(footprint);
      expect((await call("GET", "/v1/contacts/%2B917428526285", { key: p.manager })).body).toEqual(before);
    });
  });

  it("concurrent upserts of one new number create it once, one reporting created", async () => {
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => upsert(p.manager, { number: NUMBER, attributes: { city: `c${i}` } })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(results.filter((r) => r.body.created)).toHaveLength(1);
    const footprint = await contactFootprint(p.id);
    expect(footprint.contacts).toHaveLength(1);
    expect(footprint.attributes).toHaveLength(1);
  });
});

describe("GET and DELETE /v1/contacts/:number reject an invalid number", () => {
  it.each(["hello", "12", "%2B1999", "abc%2B917428526285"])("GET %s -> 400 naming `number` in the path", async (n) => {
    const result = await call("GET", `/v1/contacts/${n}`, { key: p.manager });
    expect(result.status).toBe(400);
    expect(result.body.error).toEqual({
      code: "validation_failed",
      message: `number: ${INVALID_NUMBER}`,
      fields: [{ field: "number", in: "path", message: INVALID_NUMBER }],
    });
  });

  it.each(["hello", "12"])("DELETE %s -> 400 naming `number` in the path", async (n) => {
    const result = await call("DELETE", `/v1/contacts/${n}`, { key: p.manager });
    expectError(result, 400, "validation_failed", ["number"]);
    expect(result.body.error.fields[0].in).toBe("path");
  });

  it("a path number longer than 32 characters -> 400 naming `number`", async () => {
    const result = await call("GET", `/v1/contacts/${"9".repeat(33)}`, { key: p.manager });
    expectError(result, 400, "validation_failed", ["number"]);
  });
});

describe("GET /v1/contacts rejects bad queries", () => {
  it.each(["badformat", ":Pune", "", "city"])("attribute=%j -> 400 naming `attribute`", async (value) => {
    const result = await call("GET", `/v1/contacts?attribute=${encodeURIComponent(value)}`, { key: p.manager });
    expectError(result, 400, "validation_failed", ["attribute"]);
    expect(result.body.error.fields[0].in).toBe("query");
  });

  it.each([
    ["tag=", "tag"],
    [`tag=${"t".repeat(65)}`, "tag"],
    ["tag=%00", "tag"],
    [`source=${"s".repeat(257)}`, "source"],
    ["limit=0", "limit"],
    ["limit=501", "limit"],
    ["limit=two", "limit"],
    ["cursor=%%%", "cursor"],
    // A name cursor (from /v1/tags) is not a contact cursor.
    [`cursor=${btoa(JSON.stringify("vip"))}`, "cursor"],
  ])("?%s -> 400 naming `%s`", async (query, field) => {
    const result = await call("GET", `/v1/contacts?${query}`, { key: p.manager });
    expectError(result, 400, "validation_failed", [field]);
  });
});

describe("wrong methods", () => {
  it("PUT on a contact answers 405 with Allow", async () => {
    await upsertOk(p.manager, { number: NUMBER });
    const result = await call("PUT", "/v1/contacts/%2B917428526285", { key: p.manager, body: { name: "x" } });
    expectError(result, 405, "method_not_allowed");
    expect(result.headers.get("allow")).toBe("DELETE, GET, HEAD");
  });
});
