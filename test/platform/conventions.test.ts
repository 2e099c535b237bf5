import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp, MAX_JSON_BODY_BYTES } from "../../src/app";
import { ADMIN_TOKEN, api, type CallResult, expectNoSecrets, newProject } from "../helpers";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A raw request to the Worker, for bodies and methods `call` cannot express. */
async function send(method: string, path: string, init: { headers?: Record<string, string>; body?: BodyInit } = {}) {
  const response = await exports.default.fetch(
    new Request(`https://api.test${path}`, { method, headers: init.headers, body: init.body }),
  );
  const text = await response.text();
  const body = text !== "" && response.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text;
  const result: CallResult = { status: response.status, headers: response.headers, body };
  expectNoSecrets(result, `${method} ${path}`);
  return result;
}

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe("conventions: routing", () => {
  it("404s an unknown route in the error envelope", async () => {
    const result = await api("GET", "/v1/nope");
    expect(result.status).toBe(404);
    expect(result.body).toEqual({
      error: { code: "not_found", message: "no route for GET /v1/nope" },
      requestId: result.headers.get("x-request-id"),
    });
  });

  it("404s unknown paths under authenticated prefixes before asking for credentials", async () => {
    // (`/` leads to the dashboard: test/dashboard/shell.test.ts.)
    for (const path of ["/v1/tags/a/b", "/v1/admin/projects/x/keys/y/z", "/v1/project/extra"]) {
      const result = await api("GET", path);
      expect(result.status, path).toBe(404);
      expect(result.body.error).toEqual({ code: "not_found", message: `no route for GET ${path}` });
    }
  });

  it("is strict about trailing slashes and dots, rather than answering a contradictory 405", async () => {
    for (const path of ["/v1/admin/projects/", "/v1/tags/", "/openapiXjson", "/docs/"]) {
      const result = await api("GET", path, { admin: true });
      expect(result.status, path).toBe(404);
      expect(result.body.error.code).toBe("not_found");
      expect(result.headers.get("allow")).toBeNull();
    }
  });

  it.each([
    ["PUT", "/v1/tags", "GET, HEAD, POST"],
    ["PATCH", "/v1/admin/projects", "GET, HEAD, POST"],
    ["DELETE", "/v1/admin/projects/prj_x", "GET, HEAD"],
    ["PUT", "/v1/admin/projects/prj_x/keys", "GET, HEAD, POST"],
    ["GET", "/v1/admin/projects/prj_x/keys/key_y", "DELETE"],
    ["POST", "/v1/project", "GET, HEAD"],
    ["PATCH", "/v1/attributes/city", "DELETE"],
    ["POST", "/health", "GET, HEAD"],
    ["POST", "/openapi.json", "GET, HEAD"],
    ["OPTIONS", "/v1/contacts", "GET, HEAD, POST"],
  ])("405s %s %s with Allow: %s, with or without credentials", async (method, path, allow) => {
    const p = await newProject();
    const credentials = path.startsWith("/v1/admin") ? { admin: true } : { key: p.manager };
    for (const options of [{}, credentials]) {
      const result = await api(method, path, options);
      expect(result.status).toBe(405);
      expect(result.headers.get("allow")).toBe(allow);
      expect(result.body).toEqual({
        error: { code: "method_not_allowed", message: `${method} is not allowed here; use ${allow}` },
        requestId: result.headers.get("x-request-id"),
      });
    }
  });

  it("answers HEAD on a GET route with headers and no body", async () => {
    const result = await send("HEAD", "/v1/admin/projects", { headers: admin });
    expect(result.status).toBe(200);
    expect(result.body).toBe("");
    expect(result.headers.get("content-type")).toMatch(/^application\/json/);
    expect(result.headers.get("x-request-id")).toMatch(UUID);
  });

  it("serves /health", async () => {
    const result = await api("GET", "/health");
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ ok: true });
  });
});

describe("conventions: request bodies", () => {
  it("400s malformed JSON with code malformed_json", async () => {
    const p = await newProject();
    for (const [path, headers] of [
      ["/v1/admin/projects", admin],
      ["/v1/tags", { authorization: `Bearer ${p.manager}` }],
    ] as const) {
      for (const raw of ["{bad", '{"name": "x"', "", "nul", "{'name': 'x'}"]) {
        const result = await send("POST", path, {
          headers: { ...headers, "content-type": "application/json" },
          body: raw,
        });
        expect(result.status, `${path} ${JSON.stringify(raw)}`).toBe(400);
        expect(result.body).toEqual({
          error: { code: "malformed_json", message: "request body is not valid JSON" },
          requestId: result.headers.get("x-request-id"),
        });
      }
    }
  });

  it.each([
    ["text/plain", "name=x"],
    ["application/x-www-form-urlencoded", "name=x"],
    ["multipart/form-data; boundary=x", "--x--"],
    ["application/jsonp", '{"name":"x"}'],
    ["application/xml", "<name>x</name>"],
    // Accepted by the app's own check but not by the OpenAPI router's stricter media-type parser.
    ["application/json;charset", '{"name":"x"}'],
  ])("415s a body sent as %s", async (type, body) => {
    const result = await send("POST", "/v1/admin/projects", { headers: { ...admin, "content-type": type }, body });
    expect(result.status).toBe(415);
    expect(result.body).toEqual({
      error: {
        code: "unsupported_media_type",
        message: "send the body as JSON with `Content-Type: application/json`",
      },
      requestId: expect.any(String),
    });
  });

  it("415s a body without any content type, before checking credentials", async () => {
    const result = await send("POST", "/v1/tags", { body: new TextEncoder().encode('{"name":"x"}') });
    expect(result.status).toBe(415);
    expect(result.body.error.code).toBe("unsupported_media_type");
  });

  it.each(["application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "application/vnd.api+json"])(
    "accepts JSON sent as %s",
    async (type) => {
      const result = await send("POST", "/v1/admin/projects", {
        headers: { ...admin, "content-type": type },
        body: '{"name":"typed"}',
      });
      expect(result.status).toBe(201);
      expect(result.body.name).toBe("typed");
    },
  );

  const bodyOfSize = (bytes: number) => {
    const json = JSON.stringify({ name: "" });
    return JSON.stringify({ name: "x".repeat(bytes - json.length) });
  };

  it("413s a body over 256 KiB", async () => {
    const body = bodyOfSize(MAX_JSON_BODY_BYTES + 1);
    expect(body.length).toBe(MAX_JSON_BODY_BYTES + 1);
    const result = await api("POST", "/v1/admin/projects", {
      admin: true,
      raw: body,
      headers: { "content-type": "application/json" },
    });
    expect(result.status).toBe(413);
    expect(result.body).toEqual({
      error: { code: "payload_too_large", message: "request body is larger than 262144 bytes" },
      requestId: expect.any(String),
    });
  });

  it("413s an oversized streamed body that declares no length", async () => {
    const bytes = new TextEncoder().encode(bodyOfSize(MAX_JSON_BODY_BYTES * 2));
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.slice(i, i + 64 * 1024));
        controller.close();
      },
    });
    const result = await send("POST", "/v1/admin/projects", {
      headers: { ...admin, "content-type": "application/json" },
      body: stream,
    });
    expect(result.status).toBe(413);
    expect(result.body.error.code).toBe("payload_too_large");
  });

  it("reads a body of exactly 256 KiB (and rejects it only for its content)", async () => {
    const body = bodyOfSize(MAX_JSON_BODY_BYTES);
    expect(body.length).toBe(MAX_JSON_BODY_BYTES);
    const result = await api("POST", "/v1/admin/projects", {
      admin: true,
      raw: body,
      headers: { "content-type": "application/json" },
    });
    expectValidation(result, "name");
  });

  it("reads a streamed body under the limit", async () => {
    const bytes = new TextEncoder().encode('{"name":"streamed"}');
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(bytes);
        controller.close();
      },
    });
    const result = await send("POST", "/v1/admin/projects", {
      headers: { ...admin, "content-type": "application/json" },
      body: stream,
    });
    expect(result.status).toBe(201);
    expect(result.body.name).toBe("streamed");
  });
});

function expectValidation(result: CallResult, field: string) {
  expect(result.status).toBe(400);
  expect(result.body.error.code).toBe("validation_failed");
  expect(result.body.error.fields.map((f: { field: string }) => f.field)).toEqual([field]);
}

describe("conventions: request ids", () => {
  it("puts X-Request-Id on every response, and the same id in error bodies", async () => {
    const p = await newProject();
    const responses = [
      await api("GET", "/v1/project", { key: p.manager }),
      await api("GET", "/v1/admin/projects", { admin: true }),
      await api("POST", "/v1/tags", { key: p.manager, body: { name: "rid" } }),
      await api("GET", "/health"),
      await api("GET", "/openapi.json"),
      await api("GET", "/docs"),
      await api("GET", "/v1/nope"),
      await api("PUT", "/v1/tags"),
      await api("GET", "/v1/project"),
      await api("POST", "/v1/tags", { key: p.sender, body: { name: "x" } }),
      await api("POST", "/v1/admin/projects", { admin: true, body: {} }),
      await api("GET", "/v1/admin/projects/prj_missing", { admin: true }),
    ];
    const ids = new Set<string>();
    for (const result of responses) {
      const id = result.headers.get("x-request-id");
      expect(id).toMatch(UUID);
      ids.add(id as string);
      if (result.status >= 400) expect(result.body.requestId).toBe(id);
    }
    expect(ids.size).toBe(responses.length);
  });

  it("echoes a well-formed incoming X-Request-Id", async () => {
    const ok = await api("GET", "/health", { headers: { "x-request-id": "client-abc_123=" } });
    expect(ok.headers.get("x-request-id")).toBe("client-abc_123=");
    const failed = await api("GET", "/v1/project", { headers: { "x-request-id": "trace-42" } });
    expect(failed.status).toBe(401);
    expect(failed.headers.get("x-request-id")).toBe("trace-42");
    expect(failed.body.requestId).toBe("trace-42");
  });

  it("replaces an incoming X-Request-Id that is too long or has odd characters", async () => {
    for (const incoming of ["has spaces", "semi;colon", "x".repeat(256)]) {
      const result = await api("GET", "/v1/nope", { headers: { "x-request-id": incoming } });
      expect(result.headers.get("x-request-id")).toMatch(UUID);
      expect(result.body.requestId).toBe(result.headers.get("x-request-id"));
    }
  });
});

describe("conventions: OpenAPI and docs", () => {
  const toOpenApiPath = (path: string) => path.replace(/:([^/]+)/g, "{$1}");

  it("serves an OpenAPI 3.1 document", async () => {
    const doc = await api("GET", "/openapi.json");
    expect(doc.status).toBe(200);
    expect(doc.headers.get("content-type")).toMatch(/^application\/json/);
    expect(doc.body).toMatchObject({
      openapi: "3.1.0",
      info: { title: "WhatsApp Campaign API", version: "0.1.0", description: expect.any(String) },
      paths: expect.any(Object),
      components: { schemas: expect.objectContaining({ Error: expect.any(Object) }) },
    });
  });

  it("declares the ApiKey, AdminToken and SessionCookie security schemes", async () => {
    const doc = await api("GET", "/openapi.json");
    expect(doc.body.components.securitySchemes).toEqual({
      ApiKey: { type: "apiKey", in: "header", name: "Authorization", description: expect.any(String) },
      AdminToken: { type: "http", scheme: "bearer", description: expect.any(String) },
      SessionCookie: { type: "apiKey", in: "cookie", name: "wa_session", description: expect.any(String) },
    });
  });

  it("lists every route mounted in src/app.ts with its methods", async () => {
    const doc = await api("GET", "/openapi.json");
    const documented = Object.entries(doc.body.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented).toEqual(
      expect.arrayContaining([
        "POST /v1/admin/projects",
        "GET /v1/admin/projects",
        "GET /v1/admin/projects/{projectId}",
        "POST /v1/admin/projects/{projectId}/keys",
        "GET /v1/admin/projects/{projectId}/keys",
        "DELETE /v1/admin/projects/{projectId}/keys/{keyId}",
        "GET /v1/project",
        "POST /v1/tags",
        "GET /v1/tags",
        "DELETE /v1/tags/{name}",
        "POST /v1/attributes",
        "GET /v1/attributes",
        "DELETE /v1/attributes/{name}",
        "POST /v1/contacts",
        "GET /v1/contacts",
      ]),
    );
    // And exactly the routes the router serves, apart from the document, the docs page, /health and
    // the dashboard's page (HTML, not API).
    const undocumented = new Set(["/openapi.json", "/docs", "/health", "/", "/app", "/app/*"]);
    const served = new Set(
      createApp()
        .routes.filter((r) => r.method !== "ALL" && !undocumented.has(r.path))
        .map((r) => `${r.method} ${toOpenApiPath(r.path)}`),
    );
    expect([...documented].sort()).toEqual([...served].sort());
  });

  it("documents operator routes with AdminToken and the rest with ApiKey, each with its error responses", async () => {
    const doc = await api("GET", "/openapi.json");
    for (const [path, ops] of Object.entries(doc.body.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(ops)) {
        const label = `${method} ${path}`;
        if (path.startsWith("/webhooks/")) {
          // Meta's calls carry no key: GET is checked by verify token, POST by signature.
          expect(op.security, label).toBeUndefined();
          expect(op.responses[method === "get" ? "403" : "401"], label).toBeDefined();
          continue;
        }
        if (path.startsWith("/l/")) {
          // A tracked link, opened by a recipient's phone: no key; the token's signature is the check.
          expect(op.security, label).toBeUndefined();
          expect(Object.keys(op.responses).sort(), label).toEqual(["302", "404", "503"]);
          continue;
        }
        if (path === "/v1/session") {
          // Signing in presents the key or token in the body; the session then is the cookie.
          expect(op.security, label).toEqual(method === "post" ? undefined : [{ SessionCookie: [] }]);
          expect(op.responses[method === "delete" ? "403" : "401"], label).toBeDefined();
          continue;
        }
        const scheme = path.startsWith("/v1/admin/") ? "AdminToken" : "ApiKey";
        expect(op.security, label).toEqual([{ [scheme]: [] }]);
        expect(op.summary, label).toEqual(expect.any(String));
        expect(op.responses["401"], label).toEqual({
          description: expect.any(String),
          content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
        });
        const success = Object.keys(op.responses).filter((s) => s.startsWith("2") || s === "101");
        expect(success.length, label).toBeGreaterThan(0);
      }
    }
  });

  it("serves the docs page as HTML pointing at /openapi.json", async () => {
    const docs = await api("GET", "/docs");
    expect(docs.status).toBe(200);
    expect(docs.headers.get("content-type")).toMatch(/^text\/html/);
    expect(docs.body).toMatch(/^<!doctype html>/i);
    expect(docs.body).toContain("<title>WhatsApp Campaign API</title>");
    expect(docs.body).toContain("/openapi.json");
  });
});

describe("conventions: secrets", () => {
  it("the leak check itself catches the admin token and created keys", async () => {
    const fake = (body: unknown): CallResult => ({ status: 200, headers: new Headers(), body });
    expect(() => expectNoSecrets(fake({ echoed: ADMIN_TOKEN }), "fake")).toThrow(/leaks a secret/);
    const p = await newProject();
    expect(() => expectNoSecrets(fake(`x ${p.sender} y`), "fake")).toThrow(/leaks a secret/);
    const inHeader: CallResult = { status: 200, headers: new Headers({ "x-debug": p.manager }), body: "" };
    expect(() => expectNoSecrets(inHeader, "fake")).toThrow(/leaks a secret/);
    expect(() => expectNoSecrets(fake({ ok: true }), "fake")).not.toThrow();
  });

  it("no response echoes a presented credential, even a wrong or revoked one", async () => {
    const p = await newProject();
    await api("DELETE", `/v1/admin/projects/${p.id}/keys/${p.senderId}`, { admin: true });
    // Every `api` call checks its response; these are the ones most likely to echo what was sent.
    const results = [
      await api("GET", "/v1/project", { key: p.sender }),
      await api("POST", "/v1/tags", { body: { name: "", apiKey: p.manager } }),
      await api("POST", "/v1/tags", { body: { name: 5, apiKey: p.sender } }), // revoked
      await api("GET", "/v1/admin/projects", { key: p.manager }),
      await api("GET", "/v1/admin/projects/x", { headers: { authorization: p.manager } }),
      await api("GET", "/v1/project", { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }),
      await api("PUT", "/v1/tags", { key: p.manager, body: { apiKey: p.manager } }),
    ];
    expect(results.map((r) => r.status)).toEqual([401, 400, 401, 401, 401, 401, 405]);
  });
});

describe("conventions: configuration", () => {
  it("names a missing secret in a 500 without revealing any value", async () => {
    const { env } = await import("cloudflare:workers");
    const { createExecutionContext } = await import("cloudflare:test");
    const app = createApp();
    const response = await app.fetch(
      new Request("https://api.test/v1/admin/projects", { headers: admin }),
      { ...env, ADMIN_TOKEN: "short", GRAPH_API_VERSION: "latest" },
      createExecutionContext(),
    );
    expect(response.status).toBe(500);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("misconfigured");
    expect(body.error.message).toContain("ADMIN_TOKEN");
    expect(body.error.message).toContain("GRAPH_API_VERSION");
    expect(body.error.message).not.toContain("short");
    expect(body.error.message).not.toContain("latest");
  });
});
