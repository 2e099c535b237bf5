import { beforeEach, describe, expect, it } from "vitest";
import { inputGroupId, insertInputGroup } from "../../src/features/variable-groups/store";
import { createGroup, createGroupOk, numbers } from "../audiences/audiences.helpers";
import { INVALID_NUMBER, rows } from "../contacts/contacts.helpers";
import { type CallOptions, call, db, expectError, newProject, type Project } from "../helpers";

let p: Project;
beforeEach(async () => {
  p = await newProject("variable group errors");
});

const footprint = async () => ({
  groups: await rows("SELECT id, name, fields FROM variable_groups WHERE project_id = ?", p.id),
  values: await rows(
    'SELECT v.number, v."values" AS vals FROM variable_values v JOIN variable_groups g ON g.pk = v.group_pk WHERE g.project_id = ?',
    p.id,
  ),
});

const valid = { id: "users", name: "users", fields: ["first_name"] };
const fields = (n: number) => Array.from({ length: n }, (_, i) => `f${i}`);

describe("POST /v1/create/variable/group rejects bad input, writing nothing", () => {
  it.each([
    ["no id", { name: "u", fields: ["a"] }, ["id"]],
    ["an id with a space", { ...valid, id: "a b" }, ["id"]],
    ["no name for a new id", { id: "g", fields: ["a"] }, ["name"]],
    ["no fields for a new id", { id: "g", name: "g" }, ["fields"]],
    ["empty fields for a new id", { id: "g", name: "g", fields: [] }, ["fields"]],
    ["a field starting with a digit", { ...valid, fields: ["1st"] }, ["fields.0"]],
    ["a field with a dash", { ...valid, fields: ["ok", "first-name"] }, ["fields.1"]],
    ["a field with a dot", { ...valid, fields: ["users.first"] }, ["fields.0"]],
    ["a 65-character field", { ...valid, fields: [`f${"x".repeat(64)}`] }, ["fields.0"]],
    ["the reserved field number", { ...valid, fields: ["number"] }, ["fields.0"]],
    ["the field __proto__", { ...valid, fields: ["__proto__"] }, ["fields.0"]],
    ["51 fields", { ...valid, fields: fields(51) }, ["fields"]],
    ["values that are not an array", { ...valid, values: {} }, ["values"]],
    ["a row without number", { ...valid, values: [{ first_name: "John" }] }, ["values.0.number"]],
    ["an invalid number", { ...valid, values: [{ number: "+917428526285" }, { number: "nope" }] }, ["values.1.number"]],
    ["a key that is not a field", { ...valid, values: [{ number: "+917428526285", nick: "J" }] }, ["values.0.nick"]],
    ["a boolean value", { ...valid, values: [{ number: "+917428526285", first_name: true }] }, ["values.0.first_name"]],
    ["a null value", { ...valid, values: [{ number: "+917428526285", first_name: null }] }, ["values.0.first_name"]],
    ["an object value", { ...valid, values: [{ number: "+917428526285", first_name: {} }] }, ["values.0.first_name"]],
    [
      "a 1025-character value",
      { ...valid, values: [{ number: "+917428526285", first_name: "x".repeat(1025) }] },
      ["values.0.first_name"],
    ],
    ["1,001 rows", { ...valid, values: numbers(1001).map((number) => ({ number })) }, ["values"]],
  ])("%s -> 400 naming the field", async (_, body, named) => {
    expectError(await createGroup(p.manager, body), 400, "validation_failed", named);
    expect(await footprint()).toEqual({ groups: [], values: [] });
  });

  it("names every bad row at once", async () => {
    const result = await createGroup(p.manager, {
      ...valid,
      values: [{ number: "bad" }, { number: "+917428526285", nick: "J" }, { number: "12", first_name: "A" }],
    });
    expect(result.status).toBe(400);
    expect(result.body.error.fields).toEqual([
      { field: "values.0.number", in: "body", message: INVALID_NUMBER },
      { field: "values.1.nick", in: "body", message: "is not a field of this group (its fields: first_name)" },
      { field: "values.2.number", in: "body", message: INVALID_NUMBER },
    ]);
  });

  it("checks an existing group's values against its fields plus the new ones, and its field count", async () => {
    await createGroupOk(p.manager, { ...valid, fields: fields(48) });
    const before = await footprint();
    expectError(
      await createGroup(p.manager, { id: "users", values: [{ number: "+917428526285", nick: "J" }] }),
      400,
      "validation_failed",
      ["values.0.nick"],
    );
    const tooMany = await createGroup(p.manager, { id: "users", fields: ["x", "y", "z"] });
    expectError(tooMany, 400, "validation_failed", ["fields"]);
    expect(tooMany.body.error.message).toBe("fields: a group has at most 50 fields; this would make 51");
    expect(await footprint()).toEqual(before);
    await createGroupOk(
      p.manager,
      { id: "users", fields: ["x", "y", "f0"], values: [{ number: "+917428526285", y: "1" }] },
      200,
    );
  });

  it("409s a name another group has, saying so", async () => {
    await createGroupOk(p.manager, valid);
    const result = await createGroup(p.manager, { ...valid, id: "other" });
    expectError(result, 409, "conflict");
    expect(result.body.error.message).toBe(
      'a variable group named "users" already exists (id users); names are unique because messages name groups by name',
    );
    await createGroupOk(p.manager, { id: "other", name: "people", fields: ["a"] });
    expectError(await createGroup(p.manager, { id: "other", name: "users" }), 409, "conflict");
  });

  it("409s writing to an input group, by its id or by taking its name", async () => {
    await db().batch([insertInputGroup(db(), p.id, "cmp_x", "Spring sale")]);
    const before = await footprint();
    const byId = await createGroup(p.manager, {
      id: inputGroupId("cmp_x"),
      fields: ["extra"],
      values: [{ number: "+917428526285", extra: "1" }],
    });
    expectError(byId, 409, "conflict");
    expect(byId.body.error.message).toBe(
      "variable group input_cmp_x is the input group of campaign cmp_x: it holds that campaign's button presses and cannot be written here",
    );
    expectError(await createGroup(p.manager, { id: "mine", name: "Spring sale", fields: ["a"] }), 409, "conflict");
    expect(await footprint()).toEqual(before);
  });
});

describe("the retrieve routes reject bad input", () => {
  it.each([
    ["no id", {}, ["id"]],
    ["a limit of 501", { id: "users", limit: 501 }, ["limit"]],
    ["a cursor the API never gave", { id: "users", cursor: "bogus" }, ["cursor"]],
    ["a numeric cursor where a number string is kept", { id: "users", cursor: "MQ" }, ["cursor"]],
  ])("values with %s -> 400", async (_, body, named) => {
    await createGroupOk(p.manager, valid);
    expectError(
      await call("POST", "/v1/retrieve/variable/group/values", { key: p.manager, body }),
      400,
      "validation_failed",
      named,
    );
  });

  it.each([
    ["limit=0", { limit: 0 }],
    ["cursor=bogus", { cursor: "bogus" }],
  ])("groups with %s -> 400", async (query, body) => {
    const named = Object.keys(body);
    expectError(
      await call("GET", `/v1/retrieve/variable/groups?${query}`, { key: p.manager }),
      400,
      "validation_failed",
      named,
    );
    expectError(
      await call("POST", "/v1/retrieve/variable/groups", { key: p.manager, body }),
      400,
      "validation_failed",
      named,
    );
  });

  it("an unknown group's values are 404", async () => {
    expectError(
      await call("POST", "/v1/retrieve/variable/group/values", { key: p.manager, body: { id: "nope" } }),
      404,
      "not_found",
    );
  });
});

const routes: [string, string, CallOptions["body"]][] = [
  ["POST", "/v1/create/variable/group", valid],
  ["GET", "/v1/retrieve/variable/groups", undefined],
  ["POST", "/v1/retrieve/variable/groups", {}],
  ["GET", "/v1/retrieve/variable/group/values?id=users", undefined],
  ["POST", "/v1/retrieve/variable/group/values", { id: "users" }],
];

describe("variable group routes: credentials, roles and tenancy", () => {
  it.each(routes)("%s %s is 401 without a valid key", async (method, path, body) => {
    expectError(await call(method, path, { body }), 401, "unauthorized");
    expectError(await call(method, path, { body, headers: { authorization: "wak_unknown" } }), 401, "unauthorized");
  });

  it.each(routes)("%s %s is 403 for a sender key", async (method, path, body) => {
    expectError(await call(method, path, { key: p.sender, body }), 403, "forbidden");
  });

  it("another project's group is 404, never listed, and its id and name are free here", async () => {
    const other = await newProject("other tenant");
    await createGroupOk(other.manager, { ...valid, values: [{ number: "+917428526285", first_name: "Theirs" }] });
    for (const [method, path, body] of routes.slice(3)) {
      const result = await call(method, path, { key: p.manager, body });
      expect(result.status, `${method} ${path}`).toBe(404);
      expect(result.body.error).toEqual({ code: "not_found", message: "variable group not found" });
    }
    expect((await call("GET", "/v1/retrieve/variable/groups", { key: p.manager })).body).toEqual([]);
    const mine = await createGroupOk(p.manager, valid);
    expect(mine.values).toBe(0);
    const theirs = await call("POST", "/v1/retrieve/variable/group/values", {
      key: other.manager,
      body: { id: "users" },
    });
    expect(theirs.body.values).toEqual([{ number: "+917428526285", first_name: "Theirs" }]);
  });
});
