import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { insertTemplate } from "../../src/features/templates/store";
import { createDb } from "../../src/platform/db/client";
import { MetaProvider } from "../../src/whatsapp/meta/provider";
import type { ProviderError, RemoteTemplate } from "../../src/whatsapp/provider";
import { type CallResult, call, ISO, newProject, type Project } from "../helpers";
import { attachMetaAccount } from "../inbound/inbound.helpers";
import {
  createOk,
  createTemplate,
  expectFields,
  minimal,
  setAccount,
  setStatus,
  TEMPLATE_ID,
  templateRows,
} from "./templates.helpers";

const full = {
  name: "order_update",
  language: "en_US",
  category: "MARKETING",
  header: { format: "TEXT", text: "Order {{1}}", example: "A-1029" },
  body: { text: "Hi {{1}}, your order {{2}} has shipped.", examples: ["Asha", "A-1029"] },
  footer: { text: "Reply STOP to opt out" },
  buttons: [
    { type: "URL", text: "Track", url: "https://shop.example/o/{{1}}", example: "A-1029" },
    { type: "PHONE_NUMBER", text: "Call us", phoneNumber: "+15550051310" },
    { type: "QUICK_REPLY", text: "Stop promotions" },
  ],
};

const fullResponse = {
  id: expect.stringMatching(TEMPLATE_ID),
  name: "order_update",
  language: "en_US",
  category: "MARKETING",
  parameterFormat: "POSITIONAL",
  status: "APPROVED",
  rejectedReason: null,
  header: full.header,
  body: full.body,
  footer: full.footer,
  buttons: full.buttons,
  params: {
    header: { format: "TEXT", params: 1 },
    body: 2,
    buttons: [{ index: 0, type: "URL", params: 1 }],
    quickReplies: [2],
  },
  createdAt: expect.stringMatching(ISO),
  updatedAt: expect.stringMatching(ISO),
};

let p: Project;
beforeEach(async () => {
  p = await newProject("templates");
});

describe("POST /v1/templates", () => {
  it("submits a full template; the sandbox approves it at once", async () => {
    const result = await createTemplate(p.manager, full);
    expect(result.status).toBe(201);
    expect(result.body).toEqual(fullResponse);
    expect(result.body.updatedAt).toBe(result.body.createdAt);
  });

  it("answers a minimal template with empty parts as null and []", async () => {
    const result = await createTemplate(p.manager, minimal({ buttons: [] }));
    expect(result.status).toBe(201);
    expect(result.body).toEqual({
      id: expect.stringMatching(TEMPLATE_ID),
      name: "order_shipped",
      language: "en_US",
      category: "UTILITY",
      parameterFormat: "POSITIONAL",
      status: "APPROVED",
      rejectedReason: null,
      header: null,
      body: { text: "Hi {{1}}, your order {{2}} has shipped." },
      footer: null,
      buttons: [],
      params: { header: null, body: 2, buttons: [], quickReplies: [] },
      createdAt: expect.stringMatching(ISO),
      updatedAt: result.body.createdAt,
    });
  });

  it("stores the definition as submitted, without unknown fields, with the provider's id", async () => {
    const created = await createOk(p.manager, { ...full, apiKey: "not-stored", extra: true });
    const [row, ...others] = await templateRows(p.id);
    expect(others).toEqual([]);
    expect(row).toEqual({
      id: created.id,
      project_id: p.id,
      name: "order_update",
      language: "en_US",
      category: "MARKETING",
      status: "APPROVED",
      rejected_reason: null,
      provider_template_id: expect.stringMatching(/^sandbox-[0-9a-f]{16}$/),
      definition: expect.any(String),
      params: expect.any(String),
      quality: null,
      rejection_info: null,
      status_event: null,
      category_change: null,
      created_at: Date.parse(created.createdAt),
      updated_at: Date.parse(created.createdAt),
    });
    expect(JSON.parse(row?.definition ?? "")).toEqual(full);
    expect(JSON.parse(row?.params ?? "")).toEqual(fullResponse.params);
  });

  it("answers 409 for a name and language the project already has, and keeps the first", async () => {
    const first = await createOk(p.manager, minimal());
    const again = await createTemplate(p.manager, minimal({ body: { text: "Another text." } }));
    expect(again.status).toBe(409);
    expect(again.body).toEqual({
      error: {
        code: "conflict",
        message: 'template "order_shipped" already exists in en_US',
        fields: [{ field: "name", in: "body", message: "a template with this name and language already exists" }],
      },
      requestId: expect.any(String),
    });
    const rows = await templateRows(p.id);
    expect(rows.map((r) => [r.id, JSON.parse(r.definition).body.text])).toEqual([
      [first.id, "Hi {{1}}, your order {{2}} has shipped."],
    ]);
  });

  it("accepts the same name in another language", async () => {
    await createOk(p.manager, minimal());
    const other = await createTemplate(
      p.manager,
      minimal({ language: "pt_BR", body: { text: "Olá {{1}}, pedido {{2}}." } }),
    );
    expect(other.status).toBe(201);
    expect(other.body.language).toBe("pt_BR");
    expect((await templateRows(p.id)).map((r) => r.language).sort()).toEqual(["en_US", "pt_BR"]);
  });

  it("rejects a body that is not JSON", async () => {
    const result = await call("POST", "/v1/templates", {
      key: p.manager,
      raw: "name=x",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(result.status).toBe(415);
    expect(result.body.error.code).toBe("unsupported_media_type");
  });
});

describe("GET /v1/templates/{id}", () => {
  it("answers exactly what the create answered", async () => {
    const created = await createOk(p.manager, full);
    const got = await call("GET", `/v1/templates/${created.id}`, { key: p.manager });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(created);
  });

  it("answers 404 for an unknown id", async () => {
    const result = await call("GET", "/v1/templates/tpl_000000000000000000000000", { key: p.manager });
    expect(result.status).toBe(404);
    expect(result.body).toEqual({
      error: { code: "not_found", message: "template not found" },
      requestId: expect.any(String),
    });
  });
});

describe("GET /v1/templates", () => {
  async function createMany(count: number) {
    const created = [];
    for (let i = 1; i <= count; i++) created.push(await createOk(p.manager, minimal({ name: `template_${i}` })));
    return created;
  }

  async function walk(query: string, limit: number) {
    const pages: { data: { id: string; name: string }[]; nextCursor: string | null }[] = [];
    let cursor: string | null = null;
    do {
      const page: string = `limit=${limit}${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`;
      const result: CallResult = await call("GET", `/v1/templates?${query}${query ? "&" : ""}${page}`, {
        key: p.manager,
      });
      expect(result.status, JSON.stringify(result.body)).toBe(200);
      pages.push(result.body);
      cursor = result.body.nextCursor;
    } while (cursor !== null && pages.length < 20);
    return pages;
  }

  it("pages through every template exactly once, in id order", async () => {
    const created = await createMany(5);
    const pages = await walk("", 2);
    expect(pages.map((page) => page.data.length)).toEqual([2, 2, 1]);
    expect(pages.at(-1)?.nextCursor).toBeNull();
    const ids = pages.flatMap((page) => page.data.map((t) => t.id));
    expect(ids).toEqual(created.map((t) => t.id).sort());
  });

  it("answers full templates, as GET by id does", async () => {
    const created = await createOk(p.manager, full);
    const result = await call("GET", "/v1/templates", { key: p.manager });
    expect(result.body).toEqual({ data: [created], nextCursor: null });
  });

  it("filters by status, across pages", async () => {
    const created = await createMany(5);
    const paused = [created[1], created[3], created[4]].map((t) => t.id).sort();
    for (const id of paused) await setStatus(id, "PAUSED");
    const pages = await walk("status=PAUSED", 2);
    expect(pages.map((page) => page.data.map((t) => t.id))).toEqual([paused.slice(0, 2), paused.slice(2)]);
    const approved = await call("GET", "/v1/templates?status=APPROVED", { key: p.manager });
    expect(approved.body.data.map((t: { id: string }) => t.id)).toEqual([created[0].id, created[2].id].sort());
    const rejected = await call("GET", "/v1/templates?status=REJECTED", { key: p.manager });
    expect(rejected.body).toEqual({ data: [], nextCursor: null });
  });

  it("filters by name, in every language", async () => {
    const en = await createOk(p.manager, minimal({ name: "welcome" }));
    const pt = await createOk(p.manager, minimal({ name: "welcome", language: "pt_BR" }));
    await createOk(p.manager, minimal({ name: "welcome_back" }));
    const result = await call("GET", "/v1/templates?name=welcome", { key: p.manager });
    expect(result.status).toBe(200);
    expect(result.body.data.map((t: { id: string; language: string }) => [t.id, t.language])).toEqual(
      [
        [en.id, "en_US"],
        [pt.id, "pt_BR"],
      ].sort(),
    );
  });

  it("rejects an unknown status and a forged cursor, naming the query field", async () => {
    expectFields(
      await call("GET", "/v1/templates?status=LIVE", { key: p.manager }),
      [["status", 'Invalid option: expected one of "PENDING"|"APPROVED"|"REJECTED"|"PAUSED"|"DISABLED"']],
      "query",
    );
    expectFields(
      await call("GET", "/v1/templates?cursor=bm90LWEtY3Vyc29y", { key: p.manager }),
      [["cursor", "is not a cursor this API returned"]],
      "query",
    );
  });
});

describe("DELETE /v1/templates/{id}", () => {
  it("deletes it and answers the deleted template; it is then gone", async () => {
    const created = await createOk(p.manager, full);
    const keep = await createOk(p.manager, minimal());
    const deleted = await call("DELETE", `/v1/templates/${created.id}`, { key: p.manager });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual(created);
    expect((await call("GET", `/v1/templates/${created.id}`, { key: p.manager })).status).toBe(404);
    expect((await call("DELETE", `/v1/templates/${created.id}`, { key: p.manager })).status).toBe(404);
    expect((await templateRows(p.id)).map((r) => r.id)).toEqual([keep.id]);
  });

  it("lets the name be used again afterwards", async () => {
    const created = await createOk(p.manager, minimal());
    await call("DELETE", `/v1/templates/${created.id}`, { key: p.manager });
    const again = await createTemplate(p.manager, minimal());
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(created.id);
  });
});

describe("POST /v1/templates/sync with the sandbox", () => {
  it("imports nothing (the sandbox keeps no templates) and leaves the project's templates alone", async () => {
    await createOk(p.manager, full);
    await createOk(p.manager, minimal());
    const before = await templateRows(p.id);
    const result = await call("POST", "/v1/templates/sync", { key: p.manager });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ created: 0, updated: 0, unchanged: 0 });
    expect(await templateRows(p.id)).toEqual(before);
  });
});

// The Meta provider's own behaviour is tested with it; here its answers are stubbed at the
// provider interface, to check how the routes map them.
describe("with a Meta account: provider answers mapped by the routes", () => {
  let error: MockInstance;
  beforeEach(async () => {
    error = vi.spyOn(console, "error").mockImplementation(() => {});
    await attachMetaAccount(p.id);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const failure = (cls: ProviderError["class"], extra: Partial<ProviderError> = {}) => ({
    ok: false as const,
    error: {
      class: cls,
      code: 100,
      title: "Invalid parameter",
      message: "Template name already exists",
      httpStatus: 400,
      ...extra,
    },
  });

  it("stores the provider's id and PENDING status", async () => {
    vi.spyOn(MetaProvider.prototype, "createTemplate").mockResolvedValue({
      ok: true,
      providerTemplateId: "1234567890",
      status: "PENDING",
      rejectedReason: null,
    });
    const result = await createTemplate(p.manager, full);
    expect(result.status).toBe(201);
    expect(result.body).toEqual({ ...fullResponse, status: "PENDING" });
    expect((await templateRows(p.id)).map((r) => [r.provider_template_id, r.status])).toEqual([
      ["1234567890", "PENDING"],
    ]);
  });

  it("answers a permanent refusal with 422 and Meta's code, title and message; stores nothing", async () => {
    vi.spyOn(MetaProvider.prototype, "createTemplate").mockResolvedValue(failure("permanent"));
    const result = await createTemplate(p.manager, full);
    expect(result.status).toBe(422);
    expect(result.body).toEqual({
      error: {
        code: "unprocessable",
        message: "WhatsApp refused to create the template: Invalid parameter (code 100): Template name already exists",
      },
      requestId: expect.any(String),
    });
    expect(await templateRows(p.id)).toEqual([]);
  });

  it("answers a retryable failure with 502 and Retry-After; stores nothing", async () => {
    vi.spyOn(MetaProvider.prototype, "createTemplate").mockResolvedValue(
      failure("retryable", { code: null, title: "timeout", message: "no answer in 10 s", retryAfterSeconds: 30 }),
    );
    const result = await createTemplate(p.manager, full);
    expect(result.status).toBe(502);
    expect(result.headers.get("retry-after")).toBe("30");
    expect(result.body).toEqual({
      error: {
        code: "provider_error",
        message: "WhatsApp could not create the template; try again later: timeout: no answer in 10 s",
      },
      requestId: expect.any(String),
    });
    expect(await templateRows(p.id)).toEqual([]);
  });

  it("answers an account failure with 409 not_configured; stores nothing", async () => {
    vi.spyOn(MetaProvider.prototype, "createTemplate").mockResolvedValue(
      failure("account", { code: 190, title: "OAuthException", message: "Invalid OAuth access token" }),
    );
    const result = await createTemplate(p.manager, full);
    expect(result.status).toBe(409);
    expect(result.body).toEqual({
      error: {
        code: "not_configured",
        message:
          "the project's WhatsApp account cannot create the template until it is fixed: OAuthException (code 190): Invalid OAuth access token",
      },
      requestId: expect.any(String),
    });
    expect(await templateRows(p.id)).toEqual([]);
  });

  it("answers a provider that throws with a clean 502, logging the cause", async () => {
    vi.spyOn(MetaProvider.prototype, "createTemplate").mockRejectedValue(new Error("socket hang up"));
    const result = await createTemplate(p.manager, full);
    expect(result.status).toBe(502);
    expect(result.body).toEqual({
      error: { code: "provider_error", message: "WhatsApp could not create the template; try again later" },
      requestId: expect.any(String),
    });
    const logged = error.mock.calls.map((args) => JSON.parse(String(args[0])));
    expect(logged).toContainEqual(expect.objectContaining({ msg: "whatsapp provider threw" }));
    expect(await templateRows(p.id)).toEqual([]);
  });

  it("keeps the template when the provider refuses to delete it", async () => {
    vi.spyOn(MetaProvider.prototype, "createTemplate").mockResolvedValue({
      ok: true,
      providerTemplateId: "42",
      status: "APPROVED",
      rejectedReason: null,
    });
    const created = await createOk(p.manager, minimal());
    const remove = vi.spyOn(MetaProvider.prototype, "deleteTemplate").mockResolvedValue(failure("permanent"));
    const result = await call("DELETE", `/v1/templates/${created.id}`, { key: p.manager });
    expect(result.status).toBe(422);
    expect(result.body.error).toEqual({
      code: "unprocessable",
      message: "WhatsApp refused to delete the template: Invalid parameter (code 100): Template name already exists",
    });
    expect(remove.mock.calls).toEqual([["order_shipped", "42"]]);
    expect((await templateRows(p.id)).map((r) => r.id)).toEqual([created.id]);
  });

  it("deletes at the provider by name, then the row", async () => {
    vi.spyOn(MetaProvider.prototype, "createTemplate").mockResolvedValue({
      ok: true,
      providerTemplateId: "43",
      status: "APPROVED",
      rejectedReason: null,
    });
    const created = await createOk(p.manager, minimal());
    const remove = vi.spyOn(MetaProvider.prototype, "deleteTemplate").mockResolvedValue({ ok: true });
    const result = await call("DELETE", `/v1/templates/${created.id}`, { key: p.manager });
    expect(result.status).toBe(200);
    // The provider template id narrows Meta's delete to this language (hsm_id).
    expect(remove.mock.calls).toEqual([["order_shipped", "43"]]);
    expect(await templateRows(p.id)).toEqual([]);
  });

  it("syncs: creates new templates, updates changed ones, counts unchanged ones", async () => {
    vi.spyOn(MetaProvider.prototype, "createTemplate")
      .mockResolvedValueOnce({ ok: true, providerTemplateId: "1", status: "PENDING", rejectedReason: null })
      .mockResolvedValueOnce({ ok: true, providerTemplateId: "2", status: "APPROVED", rejectedReason: null });
    const pending = await createOk(p.manager, minimal({ name: "pending_one" }));
    const approved = await createOk(p.manager, minimal({ name: "approved_one" }));
    const definition = (name: string, language = "en_US") => ({
      name,
      language,
      category: "UTILITY" as const,
      body: { text: "Hi {{1}}, your order {{2}} has shipped." },
    });
    const remote: RemoteTemplate[] = [
      {
        providerTemplateId: "1",
        status: "REJECTED",
        rejectedReason: "INVALID_FORMAT",
        definition: definition("pending_one"),
      },
      { providerTemplateId: "2", status: "APPROVED", rejectedReason: null, definition: definition("approved_one") },
      {
        providerTemplateId: "3",
        status: "APPROVED",
        rejectedReason: null,
        definition: { ...definition("imported", "pt_BR"), header: { format: "IMAGE" }, body: { text: "Olá." } },
      },
    ];
    vi.spyOn(MetaProvider.prototype, "listTemplates").mockResolvedValue({ ok: true, templates: remote });

    const result = await call("POST", "/v1/templates/sync", { key: p.manager });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ created: 1, updated: 1, unchanged: 1 });

    const list = await call("GET", "/v1/templates", { key: p.manager });
    const byName = Object.fromEntries(list.body.data.map((t: { name: string }) => [t.name, t]));
    expect(byName.pending_one).toEqual({
      ...pending,
      status: "REJECTED",
      rejectedReason: "INVALID_FORMAT",
      updatedAt: expect.stringMatching(ISO),
    });
    expect(byName.approved_one).toEqual(approved);
    expect(byName.imported).toEqual({
      id: expect.stringMatching(TEMPLATE_ID),
      name: "imported",
      language: "pt_BR",
      category: "UTILITY",
      parameterFormat: "POSITIONAL",
      status: "APPROVED",
      rejectedReason: null,
      header: { format: "IMAGE" },
      body: { text: "Olá." },
      footer: null,
      buttons: [],
      params: { header: { format: "IMAGE", params: 1 }, body: 0, buttons: [], quickReplies: [] },
      createdAt: expect.stringMatching(ISO),
      updatedAt: expect.stringMatching(ISO),
    });

    // A second sync finds nothing new.
    const again = await call("POST", "/v1/templates/sync", { key: p.manager });
    expect(again.body).toEqual({ created: 0, updated: 0, unchanged: 3 });
  });

  it("skips a provider template this API cannot represent, and still lists the rest", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const body = { text: "Your code is {{1}}." };
    const remote = [
      {
        providerTemplateId: "7",
        status: "APPROVED",
        rejectedReason: null,
        definition: { name: "otp", language: "en", category: "AUTHENTICATION", body, buttons: [{ type: "OTP" }] },
      },
      {
        providerTemplateId: "8",
        status: "SOMETHING",
        rejectedReason: null,
        definition: { name: "odd_status", language: "en", category: "UTILITY", body },
      },
      {
        providerTemplateId: "9",
        status: "APPROVED",
        rejectedReason: null,
        definition: { name: "fine", language: "en", category: "UTILITY", body },
      },
    ] as unknown as RemoteTemplate[];
    vi.spyOn(MetaProvider.prototype, "listTemplates").mockResolvedValue({ ok: true, templates: remote });
    const result = await call("POST", "/v1/templates/sync", { key: p.manager });
    expect(result.body).toEqual({ created: 1, updated: 0, unchanged: 0 });
    const list = await call("GET", "/v1/templates", { key: p.manager });
    expect(list.status).toBe(200);
    expect(list.body.data.map((t: { name: string }) => t.name)).toEqual(["fine"]);
    const logged = warn.mock.calls.map((args) => JSON.parse(String(args[0])));
    expect(logged).toContainEqual(
      expect.objectContaining({
        msg: "templates not imported: not representable",
        skipped: [
          { name: "otp", language: "en" },
          { name: "odd_status", language: "en" },
        ],
      }),
    );
  });

  it("answers a failed listing without touching the table", async () => {
    vi.spyOn(MetaProvider.prototype, "listTemplates").mockResolvedValue(
      failure("retryable", {
        code: 2,
        title: "Service temporarily unavailable",
        message: "try later",
        httpStatus: 503,
      }),
    );
    const result = await call("POST", "/v1/templates/sync", { key: p.manager });
    expect(result.status).toBe(502);
    expect(result.headers.get("retry-after")).toBeNull();
    expect(result.body.error).toEqual({
      code: "provider_error",
      message:
        "WhatsApp could not list the templates; try again later: Service temporarily unavailable (code 2): try later",
    });
    expect(await templateRows(p.id)).toEqual([]);
  });
});

describe("with a Meta account that has no access token", () => {
  it("answers 409 not_configured on create, delete and sync, and changes nothing", async () => {
    const other = await createOk(p.manager, minimal());
    // Set directly, as an older deployment might have left it; the operator route requires a token.
    const q = await newProject("no token");
    await setAccount(q.id, { provider: "meta", wabaId: `waba-${q.id}` });
    const stored = await insertTemplate(createDb(env.DB), q.id, {
      definition: { name: "stored", language: "en", category: "UTILITY", body: { text: "Hello." } },
      status: "APPROVED",
      rejectedReason: null,
      providerTemplateId: "77",
    });
    const before = await templateRows(q.id);
    const expected = {
      error: { code: "not_configured", message: "this project's WhatsApp account has no access token" },
      requestId: expect.any(String),
    };
    for (const [method, path, body] of [
      ["POST", "/v1/templates", minimal()],
      ["DELETE", `/v1/templates/${stored?.id}`, undefined],
      ["POST", "/v1/templates/sync", undefined],
    ] as const) {
      const result = await call(method, path, { key: q.manager, body });
      expect(result.status, `${method} ${path}`).toBe(409);
      expect(result.body).toEqual(expected);
    }
    expect(await templateRows(q.id)).toEqual(before);
    expect((await templateRows(p.id)).map((r) => r.id)).toEqual([other.id]);
  });
});
