import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { getApiCampaignByName } from "../../src/features/api-campaigns/store";
import { cached, remember } from "../../src/platform/campaign-cache";
import { createDb } from "../../src/platform/db/client";
import { call, db, ISO, newProject, type Project, walkPages } from "../helpers";
import { createOk, minimal, setStatus, templateRows } from "../templates/templates.helpers";
import {
  CAMPAIGN_ID,
  campaignOk,
  campaignRows,
  createCampaign,
  expectFieldError,
  insertCampaignRow,
  minimalTemplateView,
  PATH,
  systemPause,
} from "./api-campaigns.helpers";

let p: Project;
let template: { id: string };
beforeEach(async () => {
  p = await newProject("api campaigns");
  template = await createOk(p.manager, minimal());
});

const expected = (overrides: Record<string, unknown> = {}) => ({
  id: expect.stringMatching(CAMPAIGN_ID),
  name: "Order shipped",
  status: "live",
  pausedReason: null,
  template: minimalTemplateView(template.id),
  createdAt: expect.stringMatching(ISO),
  updatedAt: expect.stringMatching(ISO),
  ...overrides,
});

const notFound = { error: { code: "not_found", message: "API campaign not found" }, requestId: expect.any(String) };

describe("POST /v1/api-campaigns", () => {
  it("creates a live campaign by default, answering exactly the public fields", async () => {
    const result = await createCampaign(p.manager, { name: "Order shipped", templateId: template.id });
    expect(result.status).toBe(201);
    expect(result.body).toEqual(expected());
    expect(result.body.updatedAt).toBe(result.body.createdAt);
    const again = await call("GET", `${PATH}/${result.body.id}`, { key: p.manager });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(result.body);
  });

  it("stores an api-kind row in the caller's project, without unknown fields", async () => {
    const created = await campaignOk(p.manager, {
      name: "Order shipped",
      templateId: template.id,
      status: "paused",
      kind: "broadcast",
      pausedReason: "set by a client",
      id: "cmp_chosen",
    });
    expect(created).toEqual(expected({ status: "paused" }));
    expect(await campaignRows(p.id)).toEqual([
      {
        id: created.id,
        // What its messages carry instead of the id: the next row number, as text.
        ref: expect.stringMatching(/^[1-9]\d*$/),
        project_id: p.id,
        kind: "api",
        name: "Order shipped",
        template_id: template.id,
        status: "paused",
        paused_reason: null,
        // The broadcast columns stay empty for an API campaign.
        message: null,
        variables: null,
        img_url: null,
        img_media: null,
        buttons: null,
        language: null,
        category: null,
        created_at: Date.parse(created.createdAt),
        updated_at: Date.parse(created.createdAt),
        track_clicks: 0,
      },
    ]);
  });

  it("trims the name and accepts 1 and 100 characters", async () => {
    const trimmed = await campaignOk(p.manager, { name: "  Welcome  ", templateId: template.id });
    expect(trimmed.name).toBe("Welcome");
    for (const name of ["x", "y".repeat(100)]) {
      expect(await campaignOk(p.manager, { name, templateId: template.id })).toEqual(expected({ name }));
    }
  });

  it("400s a missing or malformed name, templateId or status, naming each field", async () => {
    const cases: [unknown, string, string][] = [
      [{ templateId: template.id }, "name", "Invalid input: expected string, received undefined"],
      [{ name: "", templateId: template.id }, "name", "Too small: expected string to have >=1 characters"],
      [{ name: "   ", templateId: template.id }, "name", "Too small: expected string to have >=1 characters"],
      [{ name: "z".repeat(101), templateId: template.id }, "name", "Too big: expected string to have <=100 characters"],
      [{ name: 7, templateId: template.id }, "name", "Invalid input: expected string, received number"],
      [{ name: "n" }, "templateId", "Invalid input: expected string, received undefined"],
      [{ name: "n", templateId: "" }, "templateId", "Too small: expected string to have >=1 characters"],
      [
        { name: "n", templateId: template.id, status: "stopped" },
        "status",
        'Invalid option: expected one of "live"|"paused"',
      ],
    ];
    for (const [body, field, message] of cases) {
      expectFieldError(await createCampaign(p.manager, body), field, message);
    }
    expect(await campaignRows(p.id)).toEqual([]);
  });

  it("409s a name the project already uses, and keeps the first campaign", async () => {
    const first = await campaignOk(p.manager, { name: "Order shipped", templateId: template.id });
    const other = await createOk(p.manager, minimal({ name: "other" }));
    for (const name of ["Order shipped", " Order shipped "]) {
      const again = await createCampaign(p.manager, { name, templateId: other.id, status: "paused" });
      expect(again.status).toBe(409);
      expect(again.body).toEqual({
        error: {
          code: "conflict",
          message: 'an API campaign named "Order shipped" already exists',
          fields: [{ field: "name", in: "body", message: "an API campaign with this name already exists" }],
        },
        requestId: expect.any(String),
      });
    }
    const rows = await campaignRows(p.id);
    expect(rows.map((r) => [r.id, r.template_id, r.status])).toEqual([[first.id, template.id, "live"]]);
  });

  it("names are compared exactly: a different case is a different campaign", async () => {
    await campaignOk(p.manager, { name: "Order shipped", templateId: template.id });
    expect(await campaignOk(p.manager, { name: "order shipped", templateId: template.id })).toEqual(
      expected({ name: "order shipped" }),
    );
  });

  it("a broadcast campaign's name does not block an API campaign of the same name", async () => {
    await insertCampaignRow({
      id: "cmp_broadcast0000000000000",
      projectId: p.id,
      kind: "broadcast",
      name: "Order shipped",
      templateId: null,
    });
    expect(await campaignOk(p.manager, { name: "Order shipped", templateId: template.id })).toEqual(expected());
  });

  it("400s an unknown templateId", async () => {
    const result = await createCampaign(p.manager, { name: "n", templateId: "tpl_000000000000000000000000" });
    expectFieldError(result, "templateId", "no template with this id in the project");
    expect(await campaignRows(p.id)).toEqual([]);
  });

  it("400s another project's template exactly as an unknown one", async () => {
    const q = await newProject("other tenant");
    const theirs = await createOk(q.manager, minimal({ name: "theirs" }));
    const result = await createCampaign(p.manager, { name: "n", templateId: theirs.id });
    expectFieldError(result, "templateId", "no template with this id in the project");
    expect(await campaignRows(p.id)).toEqual([]);
    expect(await campaignRows(q.id)).toEqual([]);
  });

  it.each(["PENDING", "REJECTED", "PAUSED", "DISABLED"])(
    "400s a %s template, naming templateId and the template's status",
    async (status) => {
      await setStatus(template.id, status);
      const result = await createCampaign(p.manager, { name: "n", templateId: template.id });
      expectFieldError(
        result,
        "templateId",
        `template "order_shipped" (en_US) is ${status}; only an APPROVED template can be used`,
      );
      expect(await campaignRows(p.id)).toEqual([]);
    },
  );

  it("accepts the key as apiKey in the body, as the API-campaign reference sends it", async () => {
    const result = await call("POST", PATH, {
      body: { apiKey: p.manager, name: "Order shipped", templateId: template.id },
    });
    expect(result.status).toBe(201);
    expect(result.body).toEqual(expected());
  });
});

describe("GET /v1/api-campaigns", () => {
  it("answers an empty page for a project without campaigns", async () => {
    const result = await call("GET", PATH, { key: p.manager });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ data: [], nextCursor: null });
  });

  it("pages through every campaign, oldest id first, each with its template", async () => {
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await campaignOk(p.manager, { name: `c${i}`, templateId: template.id }));
    const byId = [...created].sort((x, y) => (x.id < y.id ? -1 : 1));
    const whole = await call("GET", `${PATH}?limit=500`, { key: p.manager });
    expect(whole.body).toEqual({ data: byId, nextCursor: null });
    const pages = await walkPages<{ id: string }>(PATH, 2, { key: p.manager });
    expect(pages.map((page) => page.data.length)).toEqual([2, 2, 1]);
    expect(pages.flatMap((page) => page.data)).toEqual(byId);
    expect(pages.map((page) => page.nextCursor === null)).toEqual([false, false, true]);
  });

  it("filters by status, across pages", async () => {
    const live = [];
    const paused = [];
    for (let i = 0; i < 3; i++) live.push(await campaignOk(p.manager, { name: `live${i}`, templateId: template.id }));
    for (let i = 0; i < 2; i++) {
      paused.push(await campaignOk(p.manager, { name: `paused${i}`, templateId: template.id, status: "paused" }));
    }
    const ids = (list: { id: string }[]) => list.map((c) => c.id).sort();
    const pausedPages = await walkPages<{ id: string }>(`${PATH}?status=paused`, 1, { key: p.manager });
    expect(pausedPages.flatMap((page) => page.data.map((c: { id: string }) => c.id))).toEqual(ids(paused));
    const livePages = await walkPages<{ id: string; status: string }>(`${PATH}?status=live`, 2, { key: p.manager });
    expect(livePages.flatMap((page) => page.data.map((c: { id: string }) => c.id))).toEqual(ids(live));
    expect(livePages.flatMap((page) => page.data.map((c: { status: string }) => c.status))).toEqual([
      "live",
      "live",
      "live",
    ]);
  });

  it("leaves broadcast campaigns out", async () => {
    await insertCampaignRow({ id: "cmp_0", projectId: p.id, kind: "broadcast", name: "b", templateId: template.id });
    const mine = await campaignOk(p.manager, { name: "a", templateId: template.id });
    expect((await call("GET", PATH, { key: p.manager })).body).toEqual({ data: [mine], nextCursor: null });
    expect(await call("GET", `${PATH}/cmp_0`, { key: p.manager })).toMatchObject({ status: 404, body: notFound });
  });

  it("400s a bad status filter, limit or cursor, naming the query field", async () => {
    expectFieldError(
      await call("GET", `${PATH}?status=stopped`, { key: p.manager }),
      "status",
      'Invalid option: expected one of "live"|"paused"',
      "query",
    );
    expectFieldError(
      await call("GET", `${PATH}?limit=0`, { key: p.manager }),
      "limit",
      "Too small: expected number to be >=1",
      "query",
    );
    expectFieldError(
      await call("GET", `${PATH}?cursor=not-a-cursor`, { key: p.manager }),
      "cursor",
      "is not a cursor this API returned",
      "query",
    );
  });
});

describe("GET /v1/api-campaigns/{id}", () => {
  it("404s an unknown id", async () => {
    const result = await call("GET", `${PATH}/cmp_000000000000000000000000`, { key: p.manager });
    expect(result.status).toBe(404);
    expect(result.body).toEqual(notFound);
  });

  it("shows template null once the template is deleted, keeping the campaign", async () => {
    const created = await campaignOk(p.manager, { name: "Order shipped", templateId: template.id });
    expect((await call("DELETE", `/v1/templates/${template.id}`, { key: p.manager })).status).toBe(200);
    const result = await call("GET", `${PATH}/${created.id}`, { key: p.manager });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ ...created, template: null });
    const listed = await call("GET", PATH, { key: p.manager });
    expect(listed.body).toEqual({ data: [{ ...created, template: null }], nextCursor: null });
  });

  it("shows the template's current status when it changes after the campaign was made", async () => {
    const created = await campaignOk(p.manager, { name: "Order shipped", templateId: template.id });
    await setStatus(template.id, "PAUSED", "low quality");
    const result = await call("GET", `${PATH}/${created.id}`, { key: p.manager });
    expect(result.body).toEqual({ ...created, template: { ...created.template, status: "PAUSED" } });
  });
});

describe("PATCH /v1/api-campaigns/{id}", () => {
  let campaign: Record<string, any>;
  let other: { id: string };
  beforeEach(async () => {
    campaign = await campaignOk(p.manager, { name: "Order shipped", templateId: template.id });
    other = await createOk(p.manager, {
      name: "order_update",
      language: "en_US",
      category: "MARKETING",
      header: { format: "IMAGE", example: "handle" },
      body: { text: "Hi {{1}}, see {{2}}.", examples: ["Asha", "A-1"] },
      buttons: [{ type: "URL", text: "Track", url: "https://shop.example/o/{{1}}", example: "A-1" }],
    });
  });

  const patch = (body: unknown, id = campaign.id as string) => call("PATCH", `${PATH}/${id}`, { key: p.manager, body });

  it("renames, answering the whole campaign, and the change is what GET shows", async () => {
    const result = await patch({ name: "  Shipped  " });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ ...campaign, name: "Shipped", updatedAt: expect.stringMatching(ISO) });
    const [row] = await campaignRows(p.id);
    expect(row?.name).toBe("Shipped");
    expect(row?.updated_at).toBe(Date.parse(result.body.updatedAt));
    expect(row?.created_at).toBe(Date.parse(campaign.createdAt));
    expect((await call("GET", `${PATH}/${campaign.id}`, { key: p.sender })).body).toEqual(result.body);
  });

  it("switches to another approved template", async () => {
    const result = await patch({ templateId: other.id });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      ...campaign,
      template: {
        id: other.id,
        name: "order_update",
        language: "en_US",
        category: "MARKETING",
        status: "APPROVED",
        params: {
          header: { format: "IMAGE", params: 1 },
          body: 2,
          buttons: [{ index: 0, type: "URL", params: 1 }],
          quickReplies: [],
        },
      },
      updatedAt: expect.stringMatching(ISO),
    });
    expect((await campaignRows(p.id))[0]?.template_id).toBe(other.id);
  });

  it("changes name, template and status together", async () => {
    const result = await patch({ name: "All", templateId: other.id, status: "paused" });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ id: campaign.id, name: "All", status: "paused", pausedReason: null });
    expect(result.body.template.id).toBe(other.id);
  });

  it("a PATCH that changes nothing writes nothing: the same body, updatedAt included", async () => {
    const before = await campaignRows(p.id);
    const result = await patch({ name: "Order shipped", templateId: template.id, status: "live" });
    expect(result.status).toBe(200);
    expect(result.body).toEqual(campaign);
    expect(await campaignRows(p.id)).toEqual(before);
  });

  it("400s an empty body", async () => {
    for (const body of [{}, { unknown: 1 }]) {
      expectFieldError(await patch(body), "(root)", "give at least one of name, templateId, status");
    }
  });

  it("400s bad fields, and changes nothing", async () => {
    const before = await campaignRows(p.id);
    expectFieldError(await patch({ status: "stopped" }), "status", 'Invalid option: expected one of "live"|"paused"');
    expectFieldError(await patch({ status: null }), "status", 'Invalid option: expected one of "live"|"paused"');
    expectFieldError(await patch({ name: "" }), "name", "Too small: expected string to have >=1 characters");
    expectFieldError(
      await patch({ name: "z".repeat(101) }),
      "name",
      "Too big: expected string to have <=100 characters",
    );
    expectFieldError(
      await patch({ templateId: "tpl_000000000000000000000000" }),
      "templateId",
      "no template with this id in the project",
    );
    await setStatus(other.id, "REJECTED", "bad");
    expectFieldError(
      await patch({ name: "New name", templateId: other.id }),
      "templateId",
      'template "order_update" (en_US) is REJECTED; only an APPROVED template can be used',
    );
    expect(await campaignRows(p.id)).toEqual(before);
  });

  it("409s a name another campaign of the project has", async () => {
    const second = await campaignOk(p.manager, { name: "Second", templateId: template.id });
    const before = await campaignRows(p.id);
    const result = await patch({ name: "Order shipped" }, second.id);
    expect(result.status).toBe(409);
    expect(result.body).toEqual({
      error: {
        code: "conflict",
        message: 'an API campaign named "Order shipped" already exists',
        fields: [{ field: "name", in: "body", message: "an API campaign with this name already exists" }],
      },
      requestId: expect.any(String),
    });
    expect(await campaignRows(p.id)).toEqual(before);
  });

  it("404s an unknown id, before looking at the template", async () => {
    const result = await patch({ templateId: "tpl_000000000000000000000000" }, "cmp_000000000000000000000000");
    expect(result.status).toBe(404);
    expect(result.body).toEqual(notFound);
  });

  it("setting status live clears a pausedReason; pausing keeps it", async () => {
    await systemPause(campaign.id, "account restricted (code 131031)");
    const paused = await patch({ status: "paused", name: "Renamed" });
    expect(paused.body).toMatchObject({ status: "paused", pausedReason: "account restricted (code 131031)" });
    const live = await patch({ status: "live" });
    expect(live.status).toBe(200);
    expect(live.body).toMatchObject({ name: "Renamed", status: "live", pausedReason: null });
  });
});

describe("POST /v1/api-campaigns/{id}/pause and /resume", () => {
  let campaign: Record<string, any>;
  beforeEach(async () => {
    campaign = await campaignOk(p.manager, { name: "Order shipped", templateId: template.id });
  });

  const action = (what: "pause" | "resume", id = campaign.id as string) =>
    call("POST", `${PATH}/${id}/${what}`, { key: p.manager });

  it("pauses, and pausing again changes nothing", async () => {
    const first = await action("pause");
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ ...campaign, status: "paused", updatedAt: expect.stringMatching(ISO) });
    const rows = await campaignRows(p.id);
    expect(rows[0]?.status).toBe("paused");
    const second = await action("pause");
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(await campaignRows(p.id)).toEqual(rows);
  });

  it("resumes, and resuming again changes nothing", async () => {
    await action("pause");
    const first = await action("resume");
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ ...campaign, status: "live", updatedAt: expect.stringMatching(ISO) });
    const rows = await campaignRows(p.id);
    const second = await action("resume");
    expect(second.body).toEqual(first.body);
    expect(await campaignRows(p.id)).toEqual(rows);
  });

  it("resuming a live campaign changes nothing at all", async () => {
    const before = await campaignRows(p.id);
    const result = await action("resume");
    expect(result.status).toBe(200);
    expect(result.body).toEqual(campaign);
    expect(await campaignRows(p.id)).toEqual(before);
  });

  it("pausing a campaign the system paused keeps its reason; resuming clears it", async () => {
    await systemPause(campaign.id, "account restricted (code 131031)");
    const paused = await action("pause");
    expect(paused.body).toMatchObject({ status: "paused", pausedReason: "account restricted (code 131031)" });
    const resumed = await action("resume");
    expect(resumed.body).toMatchObject({ status: "live", pausedReason: null });
    expect((await campaignRows(p.id))[0]?.paused_reason).toBeNull();
  });

  it("404s an unknown id", async () => {
    for (const what of ["pause", "resume"] as const) {
      const result = await action(what, "cmp_000000000000000000000000");
      expect(result.status).toBe(404);
      expect(result.body).toEqual(notFound);
    }
  });
});

describe("the campaign cache", () => {
  it("every write forgets the project's cached campaigns", async () => {
    const writes: (() => Promise<unknown>)[] = [];
    const created = await campaignOk(p.manager, { name: "Order shipped", templateId: template.id });
    writes.push(
      () => createCampaign(p.manager, { name: "Another", templateId: template.id }),
      () => call("PATCH", `${PATH}/${created.id}`, { key: p.manager, body: { name: "Renamed" } }),
      () => call("POST", `${PATH}/${created.id}/pause`, { key: p.manager }),
      () => call("POST", `${PATH}/${created.id}/resume`, { key: p.manager }),
    );
    for (const write of writes) {
      remember(p.id, "Order shipped", "stale");
      expect(cached(p.id, "Order shipped")).toBe("stale");
      await write();
      expect(cached(p.id, "Order shipped")).toBeUndefined();
    }
  });
});

describe("getApiCampaignByName", () => {
  it("returns the campaign joined with its template", async () => {
    const headed = await createOk(p.manager, {
      name: "order_update",
      language: "pt_BR",
      category: "MARKETING",
      header: { format: "TEXT", text: "Pedido {{1}}", example: "A-1" },
      body: { text: "Oi {{1}}.", examples: ["Asha"] },
    });
    const created = await campaignOk(p.manager, { name: "Pedido", templateId: headed.id, status: "paused" });
    expect(await getApiCampaignByName(db(), p.id, "Pedido")).toEqual({
      id: created.id,
      projectId: p.id,
      name: "Pedido",
      status: "paused",
      pausedReason: null,
      templateId: headed.id,
      template: {
        id: headed.id,
        name: "order_update",
        language: "pt_BR",
        category: "MARKETING",
        status: "APPROVED",
        params: { header: { format: "TEXT", params: 1 }, body: 1, buttons: [], quickReplies: [] },
        headerFormat: "TEXT",
      },
      createdAt: Date.parse(created.createdAt),
      updatedAt: Date.parse(created.updatedAt),
    });
  });

  it("gives headerFormat null for a template without a header, and the template's current status", async () => {
    const created = await campaignOk(p.manager, { name: "Order shipped", templateId: template.id });
    await setStatus(template.id, "DISABLED");
    expect(await getApiCampaignByName(db(), p.id, "Order shipped")).toEqual({
      id: created.id,
      projectId: p.id,
      name: "Order shipped",
      status: "live",
      pausedReason: null,
      templateId: template.id,
      template: { ...minimalTemplateView(template.id), status: "DISABLED", headerFormat: null },
      createdAt: Date.parse(created.createdAt),
      updatedAt: Date.parse(created.createdAt),
    });
  });

  it("gives template null, keeping templateId, once the template is deleted", async () => {
    await campaignOk(p.manager, { name: "Order shipped", templateId: template.id });
    await call("DELETE", `/v1/templates/${template.id}`, { key: p.manager });
    expect(await templateRows(p.id)).toEqual([]);
    expect(await getApiCampaignByName(db(), p.id, "Order shipped")).toMatchObject({
      templateId: template.id,
      template: null,
    });
  });

  it("returns null for an unknown name, another project's campaign and a broadcast campaign", async () => {
    await campaignOk(p.manager, { name: "Order shipped", templateId: template.id });
    const q = await newProject("other tenant");
    await insertCampaignRow({ id: "cmp_b", projectId: p.id, kind: "broadcast", name: "Broadcast", templateId: null });
    expect(await getApiCampaignByName(db(), p.id, "Unknown")).toBeNull();
    expect(await getApiCampaignByName(db(), p.id, "order shipped")).toBeNull();
    expect(await getApiCampaignByName(db(), q.id, "Order shipped")).toBeNull();
    expect(await getApiCampaignByName(db(), p.id, "Broadcast")).toBeNull();
  });

  it("never joins another project's template, even if a row names one", async () => {
    const q = await newProject("other tenant");
    const theirs = await createOk(q.manager, minimal({ name: "theirs" }));
    await insertCampaignRow({ id: "cmp_x", projectId: p.id, kind: "api", name: "Forged", templateId: theirs.id });
    expect(await getApiCampaignByName(db(), p.id, "Forged")).toMatchObject({ templateId: theirs.id, template: null });
  });

  it("reads with one D1 query", async () => {
    await campaignOk(p.manager, { name: "Order shipped", templateId: template.id });
    const counts = { prepare: 0, batch: 0, exec: 0 };
    const counting = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === "prepare" || prop === "batch" || prop === "exec") counts[prop]++;
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const found = await getApiCampaignByName(createDb(counting), p.id, "Order shipped");
    expect(found?.template?.id).toBe(template.id);
    expect(counts).toEqual({ prepare: 1, batch: 0, exec: 0 });
  });
});
