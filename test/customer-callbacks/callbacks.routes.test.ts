import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { unseal } from "../../src/platform/sealed-secrets";
import { call, expectError, ISO, newProject } from "../helpers";

const SECRET = /^whsec_[A-Za-z0-9_-]{43}$/;
const hookUrl = (path = "ok") => `https://hooks.example.test/${crypto.randomUUID()}/${path}`;

async function storedSecret(projectId: string): Promise<string | null> {
  const row = await env.DB.prepare("SELECT secret_enc FROM callback_endpoints WHERE project_id = ?")
    .bind(projectId)
    .first<{ secret_enc: string }>();
  return row ? unseal(env.ENCRYPTION_KEY, row.secret_enc, `${projectId}:callback_secret`) : null;
}

const responseText = (result: { headers: Headers; body: unknown }) =>
  `${[...result.headers].join("\n")}\n${JSON.stringify(result.body)}`;

describe("PUT /v1/callback", () => {
  it("creates the endpoint and shows a new secret once; it is stored sealed", async () => {
    const p = await newProject();
    const url = hookUrl();
    const created = await call("PUT", "/v1/callback", { key: p.manager, body: { url } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toEqual({
      url,
      format: "single",
      createdAt: expect.stringMatching(ISO),
      updatedAt: created.body.createdAt,
      secret: expect.stringMatching(SECRET),
    });
    const raw = await env.DB.prepare("SELECT * FROM callback_endpoints WHERE project_id = ?").bind(p.id).first();
    expect(raw).toMatchObject({ project_id: p.id, url });
    expect(JSON.stringify(raw)).not.toContain(created.body.secret);
    expect(await storedSecret(p.id)).toBe(created.body.secret);
  });

  it("keeps the secret on a later PUT and does not show it again", async () => {
    const p = await newProject();
    const first = await call("PUT", "/v1/callback", { key: p.manager, body: { url: hookUrl() } });
    const secret = first.body.secret as string;
    const url = hookUrl("flaky");
    const second = await call("PUT", "/v1/callback", { key: p.manager, body: { url } });
    expect(second.status).toBe(200);
    expect(second.body).toEqual({
      url,
      format: "single",
      createdAt: first.body.createdAt,
      updatedAt: expect.stringMatching(ISO),
    });
    expect(responseText(second)).not.toContain(secret);
    const third = await call("PUT", "/v1/callback", { key: p.manager, body: { url, rotateSecret: false } });
    expect(third.status).toBe(200);
    expect(third.body).not.toHaveProperty("secret");
    expect(await storedSecret(p.id)).toBe(secret);
  });

  it("rotates the secret when asked, showing the new one once", async () => {
    const p = await newProject();
    const url = hookUrl();
    const first = await call("PUT", "/v1/callback", { key: p.manager, body: { url } });
    const rotated = await call("PUT", "/v1/callback", { key: p.manager, body: { url, rotateSecret: true } });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({
      url,
      format: "single",
      createdAt: first.body.createdAt,
      updatedAt: expect.stringMatching(ISO),
      secret: expect.stringMatching(SECRET),
    });
    expect(rotated.body.secret).not.toBe(first.body.secret);
    expect(await storedSecret(p.id)).toBe(rotated.body.secret);
    const read = await call("GET", "/v1/callback", { key: p.manager });
    expect(responseText(read)).not.toContain(rotated.body.secret);
    expect(responseText(read)).not.toContain(first.body.secret);
  });

  it("accepts http:// to a public host and stores the URL as parsed", async () => {
    const p = await newProject();
    const key = crypto.randomUUID();
    const result = await call("PUT", "/v1/callback", {
      key: p.manager,
      body: { url: `  HTTP://Hooks.Example.Test/${key}/ok?source=wa  ` },
    });
    expect(result.status, JSON.stringify(result.body)).toBe(201);
    expect(result.body.url).toBe(`http://hooks.example.test/${key}/ok?source=wa`);
  });

  it.each([
    ["a private address", "https://10.1.2.3/hook"],
    ["a private address (192.168/16)", "https://192.168.0.10/hook"],
    ["loopback", "https://127.0.0.1/hook"],
    ["loopback in hex", "https://0x7f000001/hook"],
    ["loopback in decimal", "http://2130706433/hook"],
    ["IPv6 loopback", "https://[::1]/hook"],
    ["IPv4-mapped IPv6 loopback", "https://[::ffff:127.0.0.1]/hook"],
    ["localhost", "http://localhost:8787/hook"],
    ["a .localhost name", "https://api.localhost/hook"],
    ["http to the metadata address", "http://169.254.169.254/latest/meta-data/"],
    ["the GCP metadata name", "http://metadata.google.internal/computeMetadata/v1/"],
    ["a single-label name", "https://intranet/hook"],
    ["an IPv6 unique-local address", "https://[fd00:ec2::254]/"],
    ["a CGNAT address", "https://100.100.100.200/"],
    ["not a URL", "not a url"],
    ["a relative path", "/hooks/whatsapp"],
    ["another scheme", "ftp://hooks.example.com/hook"],
    ["a javascript: URL", "javascript:alert(1)"],
    ["credentials", "https://user:pass@hooks.example.com/hook"],
    ["an empty string", ""],
    ["a number", 12345],
    ["a URL that is too long", `https://hooks.example.com/${"a".repeat(2100)}`],
  ])("refuses %s with 400 naming url, storing nothing", async (_label, url) => {
    const p = await newProject();
    const result = await call("PUT", "/v1/callback", { key: p.manager, body: { url } });
    expectError(result, 400, "validation_failed", ["url"]);
    expect(await storedSecret(p.id)).toBeNull();
  });

  it("refuses a body without url, and a rotateSecret that is not a boolean", async () => {
    const p = await newProject();
    expectError(await call("PUT", "/v1/callback", { key: p.manager, body: {} }), 400, "validation_failed", ["url"]);
    expectError(
      await call("PUT", "/v1/callback", { key: p.manager, body: { url: hookUrl(), rotateSecret: "yes" } }),
      400,
      "validation_failed",
      ["rotateSecret"],
    );
    expect(await storedSecret(p.id)).toBeNull();
  });

  it("takes batches when asked, and keeps the format when a later PUT leaves it out", async () => {
    const p = await newProject();
    const url = hookUrl();
    const created = await call("PUT", "/v1/callback", { key: p.manager, body: { url, format: "batch" } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ url, format: "batch" });
    const moved = await call("PUT", "/v1/callback", { key: p.manager, body: { url: hookUrl("flaky") } });
    expect(moved.status).toBe(200);
    expect(moved.body.format).toBe("batch");
    const back = await call("PUT", "/v1/callback", { key: p.manager, body: { url, format: "single" } });
    expect(back.body).toEqual({
      url,
      format: "single",
      createdAt: created.body.createdAt,
      updatedAt: expect.stringMatching(ISO),
    });
    expect((await call("GET", "/v1/callback", { key: p.manager })).body.format).toBe("single");
  });

  it("refuses an unknown format, naming the field, and changes nothing", async () => {
    const p = await newProject();
    const url = hookUrl();
    await call("PUT", "/v1/callback", { key: p.manager, body: { url } });
    for (const format of ["batched", 2, null]) {
      expectError(
        await call("PUT", "/v1/callback", { key: p.manager, body: { url: hookUrl(), format } }),
        400,
        "validation_failed",
        ["format"],
      );
    }
    expect((await call("GET", "/v1/callback", { key: p.manager })).body).toMatchObject({ url, format: "single" });
  });

  it("refuses a private URL on update and keeps the endpoint as it was", async () => {
    const p = await newProject();
    const url = hookUrl();
    const first = await call("PUT", "/v1/callback", { key: p.manager, body: { url } });
    const bad = await call("PUT", "/v1/callback", { key: p.manager, body: { url: "http://192.168.1.1/x" } });
    expectError(bad, 400, "validation_failed", ["url"]);
    const read = await call("GET", "/v1/callback", { key: p.manager });
    expect(read.body).toEqual({
      url,
      format: "single",
      createdAt: first.body.createdAt,
      updatedAt: first.body.updatedAt,
    });
  });
});

describe("GET and DELETE /v1/callback", () => {
  it("GET shows the URL and times, never the secret", async () => {
    const p = await newProject();
    const url = hookUrl();
    const created = await call("PUT", "/v1/callback", { key: p.manager, body: { url } });
    const read = await call("GET", "/v1/callback", { key: p.manager });
    expect(read.status).toBe(200);
    expect(read.body).toEqual({
      url,
      format: "single",
      createdAt: created.body.createdAt,
      updatedAt: created.body.updatedAt,
    });
    expect(responseText(read)).not.toContain(created.body.secret);
  });

  it("GET is a 404 before any PUT", async () => {
    const p = await newProject();
    expectError(await call("GET", "/v1/callback", { key: p.manager }), 404, "not_found");
  });

  it("DELETE removes the endpoint and its secret; a later PUT makes a new secret", async () => {
    const p = await newProject();
    const url = hookUrl();
    const created = await call("PUT", "/v1/callback", { key: p.manager, body: { url } });
    const deleted = await call("DELETE", "/v1/callback", { key: p.manager });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({
      url,
      format: "single",
      createdAt: created.body.createdAt,
      updatedAt: created.body.updatedAt,
    });
    expect(responseText(deleted)).not.toContain(created.body.secret);
    expect(await storedSecret(p.id)).toBeNull();
    expectError(await call("GET", "/v1/callback", { key: p.manager }), 404, "not_found");
    expectError(await call("DELETE", "/v1/callback", { key: p.manager }), 404, "not_found");

    const again = await call("PUT", "/v1/callback", { key: p.manager, body: { url } });
    expect(again.status).toBe(201);
    expect(again.body.secret).toMatch(SECRET);
    expect(again.body.secret).not.toBe(created.body.secret);
  });
});

describe("who may use /v1/callback", () => {
  it("refuses a sender key on every method with 403, changing nothing", async () => {
    const p = await newProject();
    const url = hookUrl();
    await call("PUT", "/v1/callback", { key: p.manager, body: { url } });
    expectError(await call("GET", "/v1/callback", { key: p.sender }), 403, "forbidden");
    expectError(
      await call("PUT", "/v1/callback", { key: p.sender, body: { url: hookUrl(), rotateSecret: true } }),
      403,
      "forbidden",
    );
    expectError(await call("DELETE", "/v1/callback", { key: p.sender }), 403, "forbidden");
    const read = await call("GET", "/v1/callback", { key: p.manager });
    expect(read.body.url).toBe(url);
  });

  it("refuses requests without a key with 401", async () => {
    expectError(await call("GET", "/v1/callback"), 401, "unauthorized");
    expectError(await call("PUT", "/v1/callback", { body: { url: hookUrl() } }), 401, "unauthorized");
    expectError(await call("DELETE", "/v1/callback"), 401, "unauthorized");
  });

  it("keeps each project's endpoint and secret to itself", async () => {
    const a = await newProject("A");
    const b = await newProject("B");
    const urlA = hookUrl();
    const createdA = await call("PUT", "/v1/callback", { key: a.manager, body: { url: urlA } });
    expectError(await call("GET", "/v1/callback", { key: b.manager }), 404, "not_found");
    expectError(await call("DELETE", "/v1/callback", { key: b.manager }), 404, "not_found");

    const urlB = hookUrl();
    const createdB = await call("PUT", "/v1/callback", { key: b.manager, body: { url: urlB } });
    expect(createdB.status).toBe(201);
    expect(createdB.body.secret).not.toBe(createdA.body.secret);
    await call("PUT", "/v1/callback", { key: b.manager, body: { url: urlB, rotateSecret: true } });
    await call("DELETE", "/v1/callback", { key: b.manager });

    const readA = await call("GET", "/v1/callback", { key: a.manager });
    expect(readA.body).toEqual({
      url: urlA,
      format: "single",
      createdAt: createdA.body.createdAt,
      updatedAt: createdA.body.updatedAt,
    });
    expect(await storedSecret(a.id)).toBe(createdA.body.secret);
  });

  it("is described in the OpenAPI document", async () => {
    const doc = await call("GET", "/openapi.json");
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths["/v1/callback"]).sort()).toEqual(["delete", "get", "put"]);
    const put = doc.body.paths["/v1/callback"].put;
    expect(Object.keys(put.responses).sort()).toEqual(["200", "201", "400", "401", "403", "413"]);
  });
});
