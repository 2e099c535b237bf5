import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { SESSION_TTL_MS } from "../../src/platform/auth/session";
import { sessions } from "../../src/platform/db/schema";
import { api, call, db, expectError, newProject, sha256Hex } from "../helpers";

// The dashboard's sign-in: a key or the operator token for an HttpOnly cookie, the cookie then
// standing in for the key (same project, same role) and for the operator token.

const SAME_ORIGIN = { "Sec-Fetch-Site": "same-origin" };

async function signIn(body: unknown) {
  const res = await api("POST", "/v1/session", { body });
  const setCookie = res.headers.get("set-cookie") ?? "";
  return { res, setCookie, cookie: setCookie.split(";")[0] ?? "" };
}

describe("POST /v1/session", () => {
  it("exchanges a key for an HttpOnly, SameSite=Strict cookie that is not the key", async () => {
    const p = await newProject("Sessions");
    const { res, setCookie, cookie } = await signIn({ apiKey: p.manager });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      kind: "key",
      project: { id: p.id, name: "Sessions" },
      key: { id: p.managerId, name: "manager", role: "manager" },
      expiresAt: expect.any(String),
    });
    const ttl = Date.parse(res.body.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(SESSION_TTL_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(SESSION_TTL_MS);
    expect(setCookie).toMatch(/^wa_session=[\w-]{43}; /);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\//);
    // https: the browser keeps it only over https (http://localhost under `npm run dev` has none).
    expect(setCookie).toMatch(/Secure/);
    expect(setCookie).not.toContain(p.manager);
    // Only the hash of the cookie's token is stored.
    const token = cookie.slice("wa_session=".length);
    const stored = await db()
      .select()
      .from(sessions)
      .where(eq(sessions.id, await sha256Hex(token)))
      .get();
    expect(stored).toMatchObject({ kind: "key", keyId: p.managerId });
    expect(JSON.stringify(stored)).not.toContain(token);
  });

  it("exchanges the operator token for an operator session", async () => {
    const { res, cookie } = await signIn({ adminToken: "test-admin-token-0123456789" });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ kind: "admin", expiresAt: expect.any(String) });
    const projects = await call("GET", "/v1/admin/projects", { headers: { Cookie: cookie } });
    expect(projects.status).toBe(200);
  });

  it("refuses a wrong key or token with 401, and bad bodies with 400 naming the field", async () => {
    const p = await newProject();
    expectError(await api("POST", "/v1/session", { body: { apiKey: "wak_nope" } }), 401, "unauthorized");
    expectError(
      await api("POST", "/v1/session", { body: { adminToken: "wrong-token-0123456789" } }),
      401,
      "unauthorized",
    );
    expectError(await api("POST", "/v1/session", { body: {} }), 400, "validation_failed", ["apiKey"]);
    expectError(
      await api("POST", "/v1/session", { body: { apiKey: p.manager, adminToken: "x" } }),
      400,
      "validation_failed",
      ["apiKey"],
    );
    expectError(await api("POST", "/v1/session", { body: { apiKey: 42 } }), 400, "validation_failed", ["apiKey"]);
    expectError(
      await api("POST", "/v1/session", { raw: "{", headers: { "content-type": "application/json" } }),
      400,
      "malformed_json",
    );
    // A revoked key does not sign in.
    await api("DELETE", `/v1/admin/projects/${p.id}/keys/${p.senderId}`, { admin: true });
    expectError(await api("POST", "/v1/session", { body: { apiKey: p.sender } }), 401, "unauthorized");
  });
});

describe("a key session on the API", () => {
  it("has the key's project and role: a sender session cannot manage, nor see another project", async () => {
    const p = await newProject();
    const other = await newProject();
    const { cookie: manager } = await signIn({ apiKey: p.manager });
    const { cookie: sender } = await signIn({ apiKey: p.sender });

    const created = await call("POST", "/v1/tags", {
      body: { name: "vip" },
      headers: { Cookie: manager, ...SAME_ORIGIN },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expectError(
      await call("POST", "/v1/tags", { body: { name: "vip2" }, headers: { Cookie: sender, ...SAME_ORIGIN } }),
      403,
      "forbidden",
    );
    const whoami = await call("GET", "/v1/project", { headers: { Cookie: sender } });
    expect(whoami.body).toMatchObject({ project: { id: p.id }, key: { id: p.senderId, role: "sender" } });

    const template = await api("POST", "/v1/templates", {
      key: other.manager,
      body: { name: "other_t", language: "en_US", category: "UTILITY", body: { text: "Hi" } },
    });
    expectError(
      await call("GET", `/v1/templates/${template.body.id}`, { headers: { Cookie: manager } }),
      404,
      "not_found",
    );
    // Operator routes are not a key session's.
    expectError(await call("GET", "/v1/admin/projects", { headers: { Cookie: manager } }), 401, "unauthorized");
  });

  it("refuses a change from another origin, whatever the cookie", async () => {
    const p = await newProject();
    const { cookie } = await signIn({ apiKey: p.manager });
    const foreign: Record<string, string>[] = [
      { "Sec-Fetch-Site": "cross-site" },
      { "Sec-Fetch-Site": "same-site" },
      { Origin: "https://evil.test" },
      {},
    ];
    for (const headers of foreign) {
      const res = await call("POST", "/v1/tags", { body: { name: "x" }, headers: { Cookie: cookie, ...headers } });
      expectError(res, 403, "forbidden");
    }
    const sameOrigin = await call("POST", "/v1/tags", {
      body: { name: "y" },
      headers: { Cookie: cookie, Origin: "https://api.test" },
    });
    expect(sameOrigin.status).toBe(201);
  });

  it("ends with the key's revocation, and a header key still wins over a cookie", async () => {
    const p = await newProject();
    const { cookie } = await signIn({ apiKey: p.sender });
    expect((await call("GET", "/v1/project", { headers: { Cookie: cookie } })).status).toBe(200);
    await api("DELETE", `/v1/admin/projects/${p.id}/keys/${p.senderId}`, { admin: true });
    expectError(await call("GET", "/v1/project", { headers: { Cookie: cookie } }), 401, "unauthorized");
    expectError(await call("GET", "/v1/session", { headers: { Cookie: cookie } }), 401, "unauthorized");
    const withHeader = await call("GET", "/v1/project", { key: p.manager, headers: { Cookie: cookie } });
    expect(withHeader.body).toMatchObject({ key: { id: p.managerId } });
  });

  it("ends when it expires", async () => {
    const p = await newProject();
    const { cookie } = await signIn({ apiKey: p.manager });
    const token = cookie.slice("wa_session=".length);
    // A fresh token the isolate has not cached, expired in storage.
    const expired = await signIn({ apiKey: p.manager });
    const expiredToken = expired.cookie.slice("wa_session=".length);
    await db()
      .update(sessions)
      .set({ expiresAt: Date.now() - 1 })
      .where(eq(sessions.id, await sha256Hex(expiredToken)))
      .run();
    expectError(
      await call("GET", "/v1/session", { headers: { Cookie: `wa_session=${expiredToken}` } }),
      401,
      "unauthorized",
    );
    expect((await call("GET", "/v1/session", { headers: { Cookie: `wa_session=${token}` } })).status).toBe(200);
  });
});

describe("GET and DELETE /v1/session", () => {
  it("shows the session, and signs out: the cookie is cleared and stops working", async () => {
    const p = await newProject("Shown");
    const { cookie } = await signIn({ apiKey: p.manager });
    const shown = await call("GET", "/v1/session", { headers: { Cookie: cookie } });
    expect(shown.body).toMatchObject({ kind: "key", project: { id: p.id, name: "Shown" }, key: { role: "manager" } });

    const out = await call("DELETE", "/v1/session", { headers: { Cookie: cookie, ...SAME_ORIGIN } });
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toMatch(/^wa_session=; Max-Age=0/);
    expectError(await call("GET", "/v1/session", { headers: { Cookie: cookie } }), 401, "unauthorized");
    expectError(await call("GET", "/v1/project", { headers: { Cookie: cookie } }), 401, "unauthorized");
  });

  it("answers 401 without a cookie or with a made-up one, and signing out without one is fine", async () => {
    expectError(await call("GET", "/v1/session"), 401, "unauthorized");
    expectError(await call("GET", "/v1/session", { headers: { Cookie: "wa_session=made-up" } }), 401, "unauthorized");
    expectError(
      await call("GET", "/v1/session", { headers: { Cookie: `wa_session=${"x".repeat(500)}` } }),
      401,
      "unauthorized",
    );
    expect((await call("DELETE", "/v1/session")).status).toBe(204);
  });

  it("refuses a sign-out from another site", async () => {
    const p = await newProject();
    const { cookie } = await signIn({ apiKey: p.manager });
    expectError(
      await call("DELETE", "/v1/session", { headers: { Cookie: cookie, "Sec-Fetch-Site": "cross-site" } }),
      403,
      "forbidden",
    );
    expect((await call("GET", "/v1/session", { headers: { Cookie: cookie } })).status).toBe(200);
  });
});
