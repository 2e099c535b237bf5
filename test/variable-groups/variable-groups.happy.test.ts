import { beforeEach, describe, expect, it } from "vitest";
import { inputGroupId, insertInputGroup, recordInputStatement } from "../../src/features/variable-groups/store";
import { createGroupOk, docAuth, numbers } from "../audiences/audiences.helpers";
import { anIso, type CallResult, call, db, newProject, type Project } from "../helpers";

let p: Project;
beforeEach(async () => {
  p = await newProject("variable groups");
});

const valuesOf = (key: string, body: Record<string, unknown>) =>
  call("POST", "/v1/retrieve/variable/group/values", { key, body });

describe("the reference document's variable group examples, request by request", () => {
  it("createVariableGroup, then retrieveVariableGroups as the doc's curl sends it", async () => {
    // chat.createVariableGroup({ id, name, description, fields, values })
    const created = await call("POST", "/v1/create/variable/group", {
      ...docAuth(p.manager),
      body: {
        id: "myVariableGroupId",
        name: "My Variable Group",
        description: "This is my variable group",
        fields: ["first_name", "last_name"],
        values: [{ number: "1234567890", first_name: "John", last_name: "Doe" }],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const group = {
      id: "myVariableGroupId",
      name: "My Variable Group",
      description: "This is my variable group",
      fields: ["first_name", "last_name"],
      type: "values",
      campaignId: null,
      values: 1,
      createdAt: anIso(),
      updatedAt: anIso(),
    };
    expect(created.body).toEqual({ status: "success", variableGroup: group });

    // curl --request POST …/v1/retrieve/variable/groups --header 'Authorization: [API Key]'
    //   --header 'Content-Type: application/json'   (and no body)
    const listed = await call("POST", "/v1/retrieve/variable/groups", {
      headers: { authorization: p.manager, "content-type": "application/json" },
    });
    expect(listed.status, JSON.stringify(listed.body)).toBe(200);
    // "an array of objects. Each object will have a name and fields property."
    expect(listed.body).toEqual([group]);
    expect(listed.headers.get("x-next-cursor")).toBeNull();

    const values = await valuesOf(p.manager, { id: "myVariableGroupId" });
    expect(values.body).toEqual({
      status: "success",
      variableGroup: group,
      values: [{ number: "+911234567890", first_name: "John", last_name: "Doe" }],
      nextCursor: null,
    });
  });

  it("serves the listing by GET too, and the values by GET", async () => {
    await createGroupOk(p.manager, { id: "users", name: "users", fields: ["first_name"] });
    const get = await call("GET", "/v1/retrieve/variable/groups", docAuth(p.manager));
    const post = await call("POST", "/v1/retrieve/variable/groups", { key: p.manager, body: {} });
    expect(get.status).toBe(200);
    expect(get.body).toEqual(post.body);
    const byGet = await call("GET", "/v1/retrieve/variable/group/values?id=users", { key: p.manager });
    expect(byGet.body).toEqual((await valuesOf(p.manager, { id: "users" })).body);
  });
});

describe("POST /v1/create/variable/group on an existing id", () => {
  it("appends new fields, merges values per number and keeps fields not given", async () => {
    const [one, two] = numbers(2);
    await createGroupOk(p.manager, {
      id: "users",
      name: "users",
      fields: ["first_name", "last_name"],
      values: [{ number: one, first_name: "John", last_name: "Doe" }],
    });
    const updated = await createGroupOk(
      p.manager,
      {
        id: "users",
        fields: ["city", "first_name"],
        values: [
          { number: one, city: "Pune" },
          { number: 917428510001, first_name: "Asha", city: 411001 },
          { number: two, last_name: "Verma" },
        ],
      },
      200,
    );
    expect(updated).toMatchObject({ name: "users", fields: ["first_name", "last_name", "city"], values: 2 });
    const values = await valuesOf(p.manager, { id: "users" });
    expect(values.body.values).toEqual([
      { number: one, first_name: "John", last_name: "Doe", city: "Pune" },
      { number: two, first_name: "Asha", city: "411001", last_name: "Verma" },
    ]);
  });

  it("renames and redescribes, and takes values alone", async () => {
    await createGroupOk(p.manager, { id: "g", name: "old", description: "d", fields: ["a"] });
    const renamed = await createGroupOk(
      p.manager,
      { id: "g", name: "new", values: [{ number: "+917428526285", a: "x" }] },
      200,
    );
    expect(renamed).toMatchObject({ name: "new", description: "d", fields: ["a"], values: 1 });
  });

  it("takes 1,000 rows in one call and pages through them in number order", async () => {
    const many = numbers(1000);
    const created = await createGroupOk(p.manager, {
      id: "big",
      name: "big",
      fields: ["code"],
      values: many.map((number, i) => ({ number, code: `c${i}` })),
    });
    expect(created.values).toBe(1000);
    const seen: { number: string; code: string }[] = [];
    let cursor: string | null = null;
    do {
      const page: CallResult = await valuesOf(p.manager, {
        id: "big",
        limit: 300,
        ...(cursor ? { cursor } : {}),
      });
      expect(page.status).toBe(200);
      seen.push(...page.body.values);
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual(many.map((number, i) => ({ number, code: `c${i}` })));
  });
});

describe("GET|POST /v1/retrieve/variable/groups", () => {
  it("pages with the X-Next-Cursor header, oldest first", async () => {
    for (const id of ["a", "b", "c"]) await createGroupOk(p.manager, { id, name: id, fields: ["f"] });
    const first = await call("GET", "/v1/retrieve/variable/groups?limit=2", { key: p.manager });
    expect(first.body.map((g: { id: string }) => g.id)).toEqual(["a", "b"]);
    const cursor = first.headers.get("x-next-cursor");
    expect(cursor).toEqual(expect.any(String));
    const second = await call("POST", "/v1/retrieve/variable/groups", { key: p.manager, body: { limit: 2, cursor } });
    expect(second.body.map((g: { id: string }) => g.id)).toEqual(["c"]);
    expect(second.headers.get("x-next-cursor")).toBeNull();
  });
});

describe("input groups", () => {
  const campaignId = "cmp_input_test";

  beforeEach(async () => {
    await db().batch([insertInputGroup(db(), p.id, campaignId, "Spring sale")]);
  });

  it("are listed with the others, as type input, and their presses read as values", async () => {
    await createGroupOk(p.manager, { id: "users", name: "users", fields: ["first_name"] });
    const pressedAt = Date.UTC(2025, 0, 31, 9, 0, 0);
    await db().batch([
      recordInputStatement(db(), p.id, [
        { campaignId, number: "+917428526285", button: "Yes", input: "I want it", pressedAt },
      ]),
    ]);
    const listed = await call("GET", "/v1/retrieve/variable/groups", { key: p.manager });
    expect(listed.body).toEqual([
      {
        id: inputGroupId(campaignId),
        name: "Spring sale",
        description: expect.any(String),
        fields: ["button", "input", "pressedAt"],
        type: "input",
        campaignId,
        values: 1,
        createdAt: anIso(),
        updatedAt: anIso(),
      },
      expect.objectContaining({ id: "users", type: "values" }),
    ]);
    const values = await valuesOf(p.manager, { id: inputGroupId(campaignId) });
    expect(values.body.values).toEqual([
      { number: "+917428526285", button: "Yes", input: "I want it", pressedAt: "2025-01-31T09:00:00.000Z" },
    ]);
  });
});
