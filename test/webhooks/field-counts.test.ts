import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { countUnusedFields } from "../../src/features/webhooks/field-counts";
import { call, db, expectError, newProject } from "../helpers";

// GET /v1/admin/webhook-fields: what arrives on webhook fields the product does not act on.

const PATH = "/v1/admin/webhook-fields";

describe("GET /v1/admin/webhook-fields", () => {
  it("lists the counts per project and field, one project's with projectId", async () => {
    const a = await newProject();
    const b = await newProject();
    await countUnusedFields(
      db(),
      a.id,
      new Map([
        ["calls", 2],
        ["history", 1],
      ]),
      1_764_566_400_000,
    );
    await countUnusedFields(db(), a.id, new Map([["calls", 1]]), 1_764_566_500_000);
    await countUnusedFields(db(), b.id, new Map([["calls", 5]]), 1_764_566_400_000);
    const one = await call("GET", `${PATH}?projectId=${a.id}`, { admin: true });
    expect(one.status).toBe(200);
    expect(one.body).toEqual({
      data: [
        { projectId: a.id, field: "calls", count: 3, lastAt: "2025-12-01T05:21:40.000Z" },
        { projectId: a.id, field: "history", count: 1, lastAt: "2025-12-01T05:20:00.000Z" },
      ],
    });
    const all = await call("GET", PATH, { admin: true });
    expect(all.status).toBe(200);
    expect(all.body.data).toEqual(
      expect.arrayContaining([{ projectId: b.id, field: "calls", count: 5, lastAt: "2025-12-01T05:20:00.000Z" }]),
    );
  });

  it("names the field of a bad query", async () => {
    expectError(await call("GET", `${PATH}?projectId=${"x".repeat(65)}`, { admin: true }), 400, "validation_failed", [
      "projectId",
    ]);
  });

  it("is for operators only: no token, a manager's or another project's key get 401", async () => {
    const a = await newProject();
    const b = await newProject();
    expectError(await call("GET", `${PATH}?projectId=${a.id}`), 401, "unauthorized");
    expectError(await call("GET", `${PATH}?projectId=${a.id}`, { key: a.manager }), 401, "unauthorized");
    expectError(await call("GET", `${PATH}?projectId=${a.id}`, { key: b.manager }), 401, "unauthorized");
    expectError(await call("GET", `${PATH}?projectId=${a.id}`, { key: a.sender }), 401, "unauthorized");
  });

  it("is in the OpenAPI document", async () => {
    const doc = await call("GET", "/openapi.json");
    const op = doc.body.paths["/v1/admin/webhook-fields"].get;
    expect(op.security).toEqual([{ AdminToken: [] }]);
    expect(Object.keys(op.responses).sort()).toEqual(["200", "400", "401"]);
    const webhook = doc.body.paths["/webhooks/whatsapp"].post;
    expect(Object.keys(webhook.responses).sort()).toEqual(["200", "401", "413"]);
  });
});

describe("GET /v1/contacts?userId=", () => {
  it("finds the contact a business-scoped user id names, within the key's project only", async () => {
    const a = await newProject();
    const b = await newProject();
    const userId = `US.${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
    await call("POST", "/v1/contacts", { key: a.manager, body: { number: "+917428526285" } });
    // As a webhook links them (features/inbound/identity.ts).
    await db().run(sql`UPDATE contacts SET user_id = ${userId} WHERE project_id = ${a.id}`);
    const found = await call("GET", `/v1/contacts?userId=${encodeURIComponent(userId)}`, { key: a.manager });
    expect(found.status).toBe(200);
    expect(found.body.data).toMatchObject([{ number: "+917428526285", userId }]);
    const other = await call("GET", `/v1/contacts?userId=${encodeURIComponent(userId)}`, { key: b.manager });
    expect(other.body.data).toEqual([]);
    expectError(
      await call("GET", `/v1/contacts?userId=${"x".repeat(129)}`, { key: a.manager }),
      400,
      "validation_failed",
      ["userId"],
    );
  });
});
