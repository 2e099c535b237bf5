import { beforeEach, describe, expect, it } from "vitest";
import { api, call, expectError, ISO, newProject, type Project } from "../helpers";
import { createOk, minimal } from "../templates/templates.helpers";
import { CAMPAIGN_ID, campaignOk, campaignRows, minimalTemplateView, PATH } from "./api-campaigns.helpers";

let a: Project;
let b: Project;
let aTemplate: { id: string };
let aCampaign: Record<string, any>;

// Project A owns a template and a campaign; project B starts empty.
beforeEach(async () => {
  a = await newProject("tenant A");
  b = await newProject("tenant B");
  aTemplate = await createOk(a.manager, minimal());
  aCampaign = await campaignOk(a.manager, { name: "Order shipped", templateId: aTemplate.id });
});

const NOT_FOUND = { error: { code: "not_found", message: "API campaign not found" }, requestId: expect.any(String) };
const FORBIDDEN = {
  error: { code: "forbidden", message: "this action needs a manager key; the key used has the sender role" },
  requestId: expect.any(String),
};

describe("tenant isolation", () => {
  it("project B gets 404 for A's campaign on every route, and A's campaign stays as it was", async () => {
    const before = await campaignRows(a.id);
    const id = aCampaign.id as string;
    const attempts: [string, string, unknown?][] = [
      ["GET", `${PATH}/${id}`],
      ["PATCH", `${PATH}/${id}`, { name: "Taken over" }],
      ["PATCH", `${PATH}/${id}`, { status: "paused" }],
      ["POST", `${PATH}/${id}/pause`],
      ["POST", `${PATH}/${id}/resume`],
    ];
    for (const [method, path, body] of attempts) {
      const result = await call(method, path, { key: b.manager, body });
      expect(result.status, `${method} ${path}`).toBe(404);
      expect(result.body).toEqual(NOT_FOUND);
    }
    expect((await call("GET", `${PATH}/${id}`, { key: b.sender })).body).toEqual(NOT_FOUND);
    expect(await campaignRows(a.id)).toEqual(before);
    expect(await campaignRows(b.id)).toEqual([]);
  });

  it("project B's lists show only B's campaigns, with every filter", async () => {
    for (const key of [b.manager, b.sender]) {
      for (const query of ["", "?status=live", "?status=paused", "?limit=500"]) {
        expect((await call("GET", `${PATH}${query}`, { key })).body).toEqual({ data: [], nextCursor: null });
      }
    }
    const bTemplate = await createOk(b.manager, minimal());
    const mine = await campaignOk(b.manager, { name: "Order shipped", templateId: bTemplate.id });
    expect(mine.id).not.toBe(aCampaign.id);
    expect((await call("GET", PATH, { key: b.sender })).body).toEqual({ data: [mine], nextCursor: null });
    expect((await call("GET", PATH, { key: a.sender })).body).toEqual({ data: [aCampaign], nextCursor: null });
  });

  it("project B cannot make or point a campaign at A's template", async () => {
    const bTemplate = await createOk(b.manager, minimal({ name: "b_template" }));
    const mine = await campaignOk(b.manager, { name: "B campaign", templateId: bTemplate.id });
    const message = "no template with this id in the project";
    for (const result of [
      await call("POST", PATH, { key: b.manager, body: { name: "Stolen", templateId: aTemplate.id } }),
      await call("PATCH", `${PATH}/${mine.id}`, { key: b.manager, body: { templateId: aTemplate.id } }),
    ]) {
      expectError(result, 400, "validation_failed", ["templateId"]);
      expect(result.body.error.message).toBe(`templateId: ${message}`);
    }
    expect((await call("GET", `${PATH}/${mine.id}`, { key: b.manager })).body).toEqual(mine);
  });

  it("a name A uses is free in B, and the two campaigns stay apart", async () => {
    const bTemplate = await createOk(b.manager, minimal({ name: "b_template" }));
    const mine = await campaignOk(b.manager, { name: "Order shipped", templateId: bTemplate.id, status: "paused" });
    expect(mine).toEqual({
      id: expect.stringMatching(CAMPAIGN_ID),
      name: "Order shipped",
      status: "paused",
      pausedReason: null,
      template: { ...minimalTemplateView(bTemplate.id), name: "b_template" },
      createdAt: expect.stringMatching(ISO),
      updatedAt: mine.createdAt,
    });
    expect((await call("GET", `${PATH}/${aCampaign.id}`, { key: a.manager })).body).toEqual(aCampaign);
  });
});

describe("roles", () => {
  const senderForbidden: [string, (id: string) => string, unknown?][] = [
    ["POST", () => PATH, { name: "From sender", templateId: "tpl_000000000000000000000000" }],
    // Invalid input still gets 403 first: a sender learns nothing from validation.
    ["POST", () => PATH, { name: "" }],
    ["PATCH", (id) => `${PATH}/${id}`, { name: "Renamed by sender" }],
    ["PATCH", (id) => `${PATH}/${id}`, {}],
    ["PATCH", () => `${PATH}/cmp_000000000000000000000000`, { status: "paused" }],
    ["POST", (id) => `${PATH}/${id}/pause`],
    ["POST", (id) => `${PATH}/${id}/resume`],
  ];

  it.each(senderForbidden)("a sender gets 403 on %s, and nothing changes", async (method, path, body) => {
    const before = await campaignRows(a.id);
    const result = await call(method, path(aCampaign.id), { key: a.sender, body });
    expect(result.status).toBe(403);
    expect(result.body).toEqual(FORBIDDEN);
    expect(await campaignRows(a.id)).toEqual(before);
  });

  it("a sender may list and read campaigns", async () => {
    const list = await call("GET", PATH, { key: a.sender });
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ data: [aCampaign], nextCursor: null });
    const filtered = await call("GET", `${PATH}?status=paused`, { key: a.sender });
    expect(filtered.status).toBe(200);
    expect(filtered.body).toEqual({ data: [], nextCursor: null });
    const one = await call("GET", `${PATH}/${aCampaign.id}`, { key: a.sender });
    expect(one.status).toBe(200);
    expect(one.body).toEqual(aCampaign);
  });

  it("a manager may do everything", async () => {
    const id = aCampaign.id as string;
    expect((await call("PATCH", `${PATH}/${id}`, { key: a.manager, body: { name: "New" } })).status).toBe(200);
    expect((await call("POST", `${PATH}/${id}/pause`, { key: a.manager })).body.status).toBe("paused");
    expect((await call("POST", `${PATH}/${id}/resume`, { key: a.manager })).body.status).toBe("live");
  });

  it("without a valid key every route answers 401", async () => {
    const id = aCampaign.id as string;
    const routes: [string, string, unknown?][] = [
      ["POST", PATH, { name: "x", templateId: aTemplate.id }],
      ["GET", PATH],
      ["GET", `${PATH}/${id}`],
      ["PATCH", `${PATH}/${id}`, { name: "x" }],
      ["POST", `${PATH}/${id}/pause`],
      ["POST", `${PATH}/${id}/resume`],
    ];
    for (const [method, path, body] of routes) {
      expectError(await call(method, path, { body }), 401, "unauthorized");
      expectError(await call(method, path, { body, key: "wak_unknown" }), 401, "unauthorized");
    }
    expect(await campaignRows(a.id)).toEqual([expect.objectContaining({ id, name: "Order shipped", status: "live" })]);
  });
});

describe("responses", () => {
  it("carry exactly the public fields, never the project id, kind or a key", async () => {
    const fields = ["createdAt", "id", "name", "pausedReason", "status", "template", "updatedAt"];
    const templateFields = ["category", "id", "language", "name", "params", "status"];
    const results = [
      await api("POST", PATH, { key: a.manager, body: { name: "Second", templateId: aTemplate.id } }),
      await api("GET", PATH, { key: a.sender }),
      await api("GET", `${PATH}/${aCampaign.id}`, { key: a.sender }),
      await api("PATCH", `${PATH}/${aCampaign.id}`, { key: a.manager, body: { name: "Renamed" } }),
      await api("POST", `${PATH}/${aCampaign.id}/pause`, { key: a.manager }),
      await api("POST", `${PATH}/${aCampaign.id}/resume`, { body: { apiKey: a.manager } }),
    ];
    expect(results.map((r) => r.status)).toEqual([201, 200, 200, 200, 200, 200]);
    const campaigns = results.flatMap((r) => (Array.isArray(r.body.data) ? r.body.data : [r.body]));
    expect(campaigns).toHaveLength(7);
    for (const campaign of campaigns) {
      expect(Object.keys(campaign).sort()).toEqual(fields);
      expect(Object.keys(campaign.template).sort()).toEqual(templateFields);
      expect(JSON.stringify(campaign)).not.toContain(a.id);
      expect(JSON.stringify(campaign)).not.toContain('"api"');
    }
  });

  it("wrong methods get 405 and sub-paths that are not routes 404, before authentication", async () => {
    const cases: [string, string, number, string | null][] = [
      ["DELETE", `${PATH}/${aCampaign.id}`, 405, "GET, HEAD, PATCH"],
      ["PUT", PATH, 405, "GET, HEAD, POST"],
      ["GET", `${PATH}/${aCampaign.id}/pause`, 405, "POST"],
      ["POST", `${PATH}/${aCampaign.id}/stop`, 404, null],
      ["GET", `${PATH}/`, 404, null],
    ];
    for (const [method, path, status, allow] of cases) {
      const result = await call(method, path);
      expect(result.status, `${method} ${path}`).toBe(status);
      expect(result.headers.get("allow")).toBe(allow);
    }
  });

  it("are documented in the OpenAPI document with the ApiKey scheme", async () => {
    const doc = await call("GET", "/openapi.json");
    const paths = doc.body.paths as Record<string, Record<string, { security: unknown; responses: object }>>;
    const documented = Object.entries(paths)
      .filter(([path]) => path.startsWith(PATH))
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual([
      "GET /v1/api-campaigns",
      "GET /v1/api-campaigns/{id}",
      "PATCH /v1/api-campaigns/{id}",
      "POST /v1/api-campaigns",
      "POST /v1/api-campaigns/{id}/pause",
      "POST /v1/api-campaigns/{id}/resume",
    ]);
    expect(Object.keys(paths[PATH]?.post?.responses ?? {}).sort()).toEqual(["201", "400", "401", "403", "409", "413"]);
    expect(Object.keys(paths[`${PATH}/{id}`]?.patch?.responses ?? {}).sort()).toEqual([
      "200",
      "400",
      "401",
      "403",
      "404",
      "409",
      "413",
    ]);
    expect(doc.body.components.schemas.ApiCampaign.required.sort()).toEqual([
      "createdAt",
      "id",
      "name",
      "pausedReason",
      "status",
      "template",
      "updatedAt",
    ]);
  });
});
