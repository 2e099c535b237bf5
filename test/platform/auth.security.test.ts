import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { KEY_CACHE_TTL_MS } from "../../src/platform/auth/api-key";
import { ADMIN_TOKEN, api, createKey, ISO, keyRow, MISSING_KEY, newProject, UNKNOWN_KEY } from "../helpers";

const tag = (name: string) => ({ name, createdAt: expect.stringMatching(ISO) });

describe("API keys: how a key is presented", () => {
  it("accepts `Authorization: Bearer <key>`", async () => {
    const p = await newProject();
    const result = await api("GET", "/v1/project", { headers: { authorization: `Bearer ${p.manager}` } });
    expect(result.status).toBe(200);
    expect(result.body.project.id).toBe(p.id);
  });

  it("accepts the scheme in any case and extra spaces", async () => {
    const p = await newProject();
    for (const authorization of [`bearer ${p.manager}`, `BEARER   ${p.manager}`, `  Bearer ${p.manager}  `]) {
      const result = await api("GET", "/v1/project", { headers: { authorization } });
      expect(result.status, authorization.replace(p.manager, "<key>")).toBe(200);
      expect(result.body.key.id).toBe(p.managerId);
    }
  });

  it("accepts the raw key as `Authorization: <key>`", async () => {
    const p = await newProject();
    const result = await api("GET", "/v1/project", { headers: { authorization: p.sender } });
    expect(result.status).toBe(200);
    expect(result.body.key).toEqual({ id: p.senderId, name: "sender", role: "sender" });
  });

  it("accepts the key as `apiKey` in a JSON body", async () => {
    const p = await newProject();
    const created = await api("POST", "/v1/tags", { body: { name: "vip", apiKey: p.manager } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual(tag("vip"));
    // The tag landed in the key's project.
    const listed = await api("GET", "/v1/tags", { key: p.sender });
    expect(listed.body).toEqual({ data: [tag("vip")], nextCursor: null });
  });

  it("prefers the Authorization header over a body apiKey", async () => {
    const p = await newProject();
    const wrongHeader = await api("POST", "/v1/tags", {
      body: { name: "a", apiKey: p.manager },
      headers: { authorization: "Bearer wak_unknown" },
    });
    expect(wrongHeader.status).toBe(401);
    expect(wrongHeader.body).toEqual(UNKNOWN_KEY);
    const senderHeader = await api("POST", "/v1/tags", { body: { name: "a", apiKey: p.manager }, key: p.sender });
    expect(senderHeader.status).toBe(403);
  });

  it("401s an apiKey that is unknown or not a string", async () => {
    const p = await newProject();
    const unknown = await api("POST", "/v1/tags", { body: { name: "a", apiKey: "wak_unknown" } });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(UNKNOWN_KEY);
    const notString = await api("POST", "/v1/tags", { body: { name: "a", apiKey: 12345 } });
    expect(notString.status).toBe(401);
    expect(notString.body).toEqual(MISSING_KEY);
    const nested = await api("POST", "/v1/tags", { body: { name: "a", auth: { apiKey: p.manager } } });
    expect(nested.status).toBe(401);
    expect(nested.body).toEqual(MISSING_KEY);
  });

  it("does not read apiKey from a query string", async () => {
    const p = await newProject();
    const result = await api("GET", `/v1/project?apiKey=${p.manager}`);
    expect(result.status).toBe(401);
    expect(result.body).toEqual(MISSING_KEY);
  });
});

describe("API keys: refusals", () => {
  it("401s a request without a key, with WWW-Authenticate", async () => {
    for (const [method, path, body] of [
      ["GET", "/v1/project", undefined],
      ["GET", "/v1/tags", undefined],
      ["POST", "/v1/tags", { name: "x" }],
      ["GET", "/v1/contacts", undefined],
    ] as const) {
      const result = await api(method, path, { body });
      expect(result.status, `${method} ${path}`).toBe(401);
      expect(result.body).toEqual(MISSING_KEY);
      expect(result.headers.get("www-authenticate")).toBe('Bearer realm="api"');
    }
  });

  it.each([
    ["an empty header as a missing key", "", MISSING_KEY],
    ["a bare Bearer as an unknown key", "Bearer", UNKNOWN_KEY],
    ["Bearer and spaces as an unknown key", "Bearer    ", UNKNOWN_KEY],
  ])("treats %s", async (_label, authorization, expected) => {
    const result = await api("GET", "/v1/project", { headers: { authorization } });
    expect(result.status).toBe(401);
    expect(result.body).toEqual(expected);
  });

  it.each([
    ["an unknown key", "wak_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
    ["garbage", "hello"],
    ["the admin token", ADMIN_TOKEN],
  ])("401s %s", async (_label, key) => {
    const result = await api("GET", "/v1/project", { key });
    expect(result.status).toBe(401);
    expect(result.body).toEqual(UNKNOWN_KEY);
  });

  it("401s a key's prefix or a key with a character changed", async () => {
    const p = await newProject();
    const flipped = `${p.manager.slice(0, -1)}${p.manager.endsWith("A") ? "B" : "A"}`;
    for (const key of [p.manager.slice(0, 12), flipped, `${p.manager}x`]) {
      const result = await api("GET", "/v1/project", { key });
      expect(result.status).toBe(401);
      expect(result.body).toEqual(UNKNOWN_KEY);
    }
  });

  it("401s a revoked key immediately after DELETE, and keeps refusing it", async () => {
    const p = await newProject();
    // Use the key first, so that it sits in the isolate's key cache when it is revoked.
    expect((await api("GET", "/v1/project", { key: p.sender })).status).toBe(200);
    const revoked = await api("DELETE", `/v1/admin/projects/${p.id}/keys/${p.senderId}`, { admin: true });
    expect(revoked.status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const result = await api("GET", "/v1/project", { key: p.sender });
      expect(result.status).toBe(401);
      expect(result.body).toEqual(UNKNOWN_KEY);
    }
    const inBody = await api("POST", "/v1/tags", { body: { name: "x", apiKey: p.sender } });
    expect(inBody.status).toBe(401);
    // The project's other key is unaffected.
    expect((await api("GET", "/v1/project", { key: p.manager })).status).toBe(200);
  });

  it("revoking a key twice is fine and the key stays revoked", async () => {
    const p = await newProject();
    const path = `/v1/admin/projects/${p.id}/keys/${p.managerId}`;
    const first = await api("DELETE", path, { admin: true });
    const second = await api("DELETE", path, { admin: true });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    const result = await api("GET", "/v1/project", { key: p.manager });
    expect(result.status).toBe(401);
    expect(result.body).toEqual(UNKNOWN_KEY);
  });

  it("a key revoked by another isolate works here until this isolate's entry expires, then 401s", async () => {
    const p = await newProject();
    expect((await api("GET", "/v1/project", { key: p.sender })).status).toBe(200);
    // Revoked straight in D1, as another isolate's DELETE would do it: this isolate is not told.
    await env.DB.prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ?").bind(Date.now(), p.senderId).run();
    expect((await api("GET", "/v1/project", { key: p.sender })).status).toBe(200);
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.now() + KEY_CACHE_TTL_MS + 1);
      for (const result of [
        await api("GET", "/v1/project", { key: p.sender }),
        await api("POST", "/v1/tags", { body: { name: "x", apiKey: p.sender } }),
      ]) {
        expect(result.status).toBe(401);
        expect(result.body).toEqual(UNKNOWN_KEY);
      }
    } finally {
      vi.useRealTimers();
    }
  });

  it("403s a sender key on manager routes and changes nothing", async () => {
    const p = await newProject();
    const tags = await api("POST", "/v1/tags", { key: p.sender, body: { name: "vip" } });
    expect(tags.status).toBe(403);
    expect(tags.body).toEqual({
      error: { code: "forbidden", message: "this action needs a manager key; the key used has the sender role" },
      requestId: expect.any(String),
    });
    const attributes = await api("POST", "/v1/attributes", { key: p.sender, body: { name: "city" } });
    expect(attributes.status).toBe(403);
    expect(attributes.body.error.code).toBe("forbidden");
    const contacts = await api("POST", "/v1/contacts", { key: p.sender, body: { number: "+917428526285" } });
    expect(contacts.status).toBe(403);
    expect(contacts.body.error.code).toBe("forbidden");
    const viaBody = await api("POST", "/v1/tags", { body: { name: "vip", apiKey: p.sender } });
    expect(viaBody.status).toBe(403);
    const deleteTag = await api("DELETE", "/v1/tags/vip", { key: p.sender });
    expect(deleteTag.status).toBe(403);

    const listed = await api("GET", "/v1/tags", { key: p.manager });
    expect(listed.body).toEqual({ data: [], nextCursor: null });
  });

  it("checks the role before validating the body", async () => {
    const p = await newProject();
    const result = await api("POST", "/v1/tags", { key: p.sender, body: { name: "" } });
    expect(result.status).toBe(403);
    expect(result.body.error.code).toBe("forbidden");
  });

  it("a key only reaches its own project", async () => {
    const a = await newProject("A");
    const b = await newProject("B");
    expect((await api("POST", "/v1/tags", { key: a.manager, body: { name: "only-a" } })).status).toBe(201);
    const bTags = await api("GET", "/v1/tags", { key: b.manager });
    expect(bTags.body).toEqual({ data: [], nextCursor: null });
    const aWho = await api("GET", "/v1/project", { key: a.sender });
    expect(aWho.body.project.id).toBe(a.id);
  });
});

describe("API keys: GET /v1/project", () => {
  it("returns the project and the manager key, without any secret", async () => {
    const p = await newProject("Who am I");
    const result = await api("GET", "/v1/project", { key: p.manager });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      project: { id: p.id, name: "Who am I", createdAt: p.createdAt },
      key: { id: p.managerId, name: "manager", role: "manager" },
    });
  });

  it("works with a sender key too", async () => {
    const p = await newProject("Who am I");
    const result = await api("GET", "/v1/project", { key: p.sender });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      project: { id: p.id, name: "Who am I", createdAt: p.createdAt },
      key: { id: p.senderId, name: "sender", role: "sender" },
    });
  });
});

describe("API keys: last use", () => {
  it("records last_used_at after a key is used, and only for that key", async () => {
    const p = await newProject();
    const fresh = await createKey(p.id, "fresh", "sender");
    expect((await keyRow(fresh.id))?.last_used_at).toBeNull();

    expect((await api("GET", "/v1/project", { key: fresh.key })).status).toBe(200);

    // The write happens in waitUntil, after the response: poll D1 for it.
    const row = await vi.waitFor(
      async () => {
        const r = await keyRow(fresh.id);
        if (r?.last_used_at == null) throw new Error("last_used_at not written yet");
        return r;
      },
      { timeout: 5000, interval: 10 },
    );
    expect(row.last_used_at).toBeGreaterThanOrEqual(row.created_at);

    const listed = await api("GET", `/v1/admin/projects/${p.id}/keys`, { admin: true });
    const byId = Object.fromEntries(listed.body.data.map((k: { id: string }) => [k.id, k]));
    expect(byId[fresh.id].lastUsedAt).toBe(new Date(row.last_used_at as number).toISOString());
    expect(byId[p.managerId].lastUsedAt).toBeNull();
    expect(byId[p.senderId].lastUsedAt).toBeNull();
  });

  it("does not record use of a refused key", async () => {
    const p = await newProject();
    await api("DELETE", `/v1/admin/projects/${p.id}/keys/${p.senderId}`, { admin: true });
    expect((await api("GET", "/v1/project", { key: p.sender })).status).toBe(401);
    // Let any background work settle through a later request that does write last_used_at.
    expect((await api("GET", "/v1/project", { key: p.manager })).status).toBe(200);
    await vi.waitFor(
      async () => {
        if ((await keyRow(p.managerId))?.last_used_at == null) throw new Error("not yet");
      },
      { timeout: 5000, interval: 10 },
    );
    expect((await keyRow(p.senderId))?.last_used_at).toBeNull();
  });
});
