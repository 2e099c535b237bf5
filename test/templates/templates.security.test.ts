import { beforeEach, describe, expect, it } from "vitest";
import { api, call, newProject, type Project } from "../helpers";
import { createOk, minimal, templateRows } from "./templates.helpers";

let a: Project;
let b: Project;
let bTemplate: { id: string };
beforeEach(async () => {
  a = await newProject("tenant A");
  b = await newProject("tenant B");
  bTemplate = await createOk(b.manager, minimal({ name: "b_only" }));
});

const NOT_FOUND = { error: { code: "not_found", message: "template not found" }, requestId: expect.any(String) };
const FORBIDDEN = {
  error: { code: "forbidden", message: "this action needs a manager key; the key used has the sender role" },
  requestId: expect.any(String),
};

describe("tenant isolation", () => {
  it("project A cannot read B's template: 404, as if it did not exist", async () => {
    for (const key of [a.manager, a.sender]) {
      const result = await call("GET", `/v1/templates/${bTemplate.id}`, { key });
      expect(result.status).toBe(404);
      expect(result.body).toEqual(NOT_FOUND);
    }
  });

  it("project A cannot delete B's template: 404, and B's template stays", async () => {
    const before = await templateRows(b.id);
    const result = await call("DELETE", `/v1/templates/${bTemplate.id}`, { key: a.manager });
    expect(result.status).toBe(404);
    expect(result.body).toEqual(NOT_FOUND);
    expect(await templateRows(b.id)).toEqual(before);
    expect((await call("GET", `/v1/templates/${bTemplate.id}`, { key: b.manager })).status).toBe(200);
  });

  it("project A's listing and filters never show B's templates", async () => {
    const mine = await createOk(a.manager, minimal({ name: "a_only" }));
    for (const query of ["", "?name=b_only", "?status=APPROVED", "?limit=500"]) {
      const result = await call("GET", `/v1/templates${query}`, { key: a.sender });
      expect(result.status).toBe(200);
      expect(result.body.data.map((t: { id: string }) => t.id)).toEqual(query === "?name=b_only" ? [] : [mine.id]);
    }
  });

  it("the same name and language may exist in both projects", async () => {
    const result = await call("POST", "/v1/templates", { key: a.manager, body: minimal({ name: "b_only" }) });
    expect(result.status).toBe(201);
    expect(result.body.id).not.toBe(bTemplate.id);
  });

  it("project A's sync leaves B's templates alone", async () => {
    const before = await templateRows(b.id);
    expect((await call("POST", "/v1/templates/sync", { key: a.manager })).status).toBe(200);
    expect(await templateRows(b.id)).toEqual(before);
  });
});

describe("roles", () => {
  const senderForbidden: [string, (id: string) => string, unknown?][] = [
    ["POST", () => "/v1/templates", minimal({ name: "from_sender" })],
    // Invalid input still gets 403 first: a sender learns nothing from validation.
    ["POST", () => "/v1/templates", { name: "Bad Name" }],
    ["DELETE", (id) => `/v1/templates/${id}`],
    ["DELETE", () => "/v1/templates/tpl_000000000000000000000000"],
    ["POST", () => "/v1/templates/sync"],
  ];

  it.each(senderForbidden)("a sender gets 403 on %s, and nothing changes", async (method, path, body) => {
    const own = await createOk(a.manager, minimal());
    const before = await templateRows(a.id);
    const result = await call(method, path(own.id), { key: a.sender, body });
    expect(result.status).toBe(403);
    expect(result.body).toEqual(FORBIDDEN);
    expect(await templateRows(a.id)).toEqual(before);
  });

  it("a sender may list and read templates, seeing what a send needs", async () => {
    const own = await createOk(a.manager, minimal());
    const list = await call("GET", "/v1/templates", { key: a.sender });
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ data: [own], nextCursor: null });
    const one = await call("GET", `/v1/templates/${own.id}`, { key: a.sender });
    expect(one.status).toBe(200);
    expect(one.body).toEqual(own);
    expect(one.body.params).toEqual({ header: null, body: 2, buttons: [], quickReplies: [] });
  });

  it.each([
    ["POST", "/v1/templates"],
    ["GET", "/v1/templates"],
    ["GET", "/v1/templates/tpl_000000000000000000000000"],
    ["DELETE", "/v1/templates/tpl_000000000000000000000000"],
    ["POST", "/v1/templates/sync"],
  ])("%s %s without a key is 401", async (method, path) => {
    const result = await call(method, path, { body: method === "POST" ? minimal() : undefined });
    expect(result.status).toBe(401);
    expect(result.body.error.code).toBe("unauthorized");
  });

  it("a revoked manager key is refused", async () => {
    const keys = await call("GET", `/v1/admin/projects/${a.id}/keys`, { admin: true });
    const manager = keys.body.data.find((k: { role: string }) => k.role === "manager");
    await call("DELETE", `/v1/admin/projects/${a.id}/keys/${manager.id}`, { admin: true });
    const result = await call("POST", "/v1/templates", { key: a.manager, body: minimal() });
    expect(result.status).toBe(401);
    expect(await templateRows(a.id)).toEqual([]);
  });
});

describe("responses", () => {
  it("carry only the documented fields: no project id or provider id, and no key", async () => {
    const created = await api("POST", "/v1/templates", { key: a.manager, body: minimal() });
    const listed = await api("GET", "/v1/templates", { key: a.manager });
    const one = await api("GET", `/v1/templates/${created.body.id}`, { key: a.manager });
    const fields = [
      "body",
      "buttons",
      "category",
      "createdAt",
      "footer",
      "header",
      "id",
      "language",
      "name",
      "parameterFormat",
      "params",
      "rejectedReason",
      "status",
      "updatedAt",
    ];
    for (const template of [created.body, listed.body.data[0], one.body]) {
      expect(Object.keys(template).sort()).toEqual(fields);
    }
    const [row] = await templateRows(a.id);
    for (const result of [created, listed, one]) {
      const text = JSON.stringify(result.body);
      expect(text).not.toContain(a.id);
      expect(text).not.toContain(row?.provider_template_id);
    }
  });

  it("answer paths that are not routes with 404 and wrong methods with 405, before authentication", async () => {
    const put = await call("PUT", "/v1/templates/tpl_000000000000000000000000");
    expect(put.status).toBe(405);
    expect(put.headers.get("allow")).toBe("DELETE, GET, HEAD");
    const sync = await call("GET", "/v1/templates/sync/extra");
    expect(sync.status).toBe(404);
  });
});
