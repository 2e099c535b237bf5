import { describe, expect, it } from "vitest";
import {
  API_KEY,
  anIso,
  api,
  createKey,
  KEY_ID,
  keyRow,
  newProject,
  PROJECT_ID,
  sha256Hex,
  walkPages,
} from "../helpers";

describe("operator: projects", () => {
  it("creates a project and returns exactly id, name and createdAt", async () => {
    const created = await api("POST", "/v1/admin/projects", { admin: true, body: { name: "Acme Retail" } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.stringMatching(PROJECT_ID), name: "Acme Retail", createdAt: anIso() });
    expect(created.headers.get("content-type")).toMatch(/^application\/json/);
  });

  it("trims the project name", async () => {
    const created = await api("POST", "/v1/admin/projects", { admin: true, body: { name: "  Padded  " } });
    expect(created.status).toBe(201);
    expect(created.body.name).toBe("Padded");
  });

  it("accepts a 100-character name and ignores unknown body fields", async () => {
    const name = "n".repeat(100);
    const created = await api("POST", "/v1/admin/projects", { admin: true, body: { name, id: "prj_mine", extra: 1 } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.stringMatching(PROJECT_ID), name, createdAt: anIso() });
    expect(created.body.id).not.toBe("prj_mine");
  });

  it("reads a project back exactly as it was created", async () => {
    const created = await api("POST", "/v1/admin/projects", { admin: true, body: { name: "Read me" } });
    const read = await api("GET", `/v1/admin/projects/${created.body.id}`, { admin: true });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
  });

  it("lists projects oldest first with the default page size", async () => {
    const mine = [];
    for (const name of ["List A", "List B", "List C"]) {
      mine.push((await api("POST", "/v1/admin/projects", { admin: true, body: { name } })).body);
    }
    const listed = await api("GET", "/v1/admin/projects", { admin: true });
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      data: expect.arrayContaining(mine),
      nextCursor: expect.toSatisfy((v: unknown) => v === null || typeof v === "string"),
    });
    expect(listed.body.data.length).toBeLessThanOrEqual(50);
    const ids = listed.body.data.map((p: { id: string }) => p.id);
    expect(ids).toEqual([...ids].sort());
    for (const project of listed.body.data) {
      expect(Object.keys(project).sort()).toEqual(["createdAt", "id", "name"]);
    }
  });

  it("walks every page with limit and nextCursor, each project exactly once", async () => {
    for (let i = 0; i < 5; i++) {
      expect((await api("POST", "/v1/admin/projects", { admin: true, body: { name: `Page ${i}` } })).status).toBe(201);
    }
    const all = await api("GET", "/v1/admin/projects?limit=500", { admin: true });
    expect(all.status).toBe(200);
    expect(all.body.nextCursor).toBeNull();
    const total = all.body.data.length;
    expect(total).toBeGreaterThanOrEqual(5);

    const pages = await walkPages<{ id: string }>("/v1/admin/projects", 2, { admin: true });
    expect(pages).toHaveLength(Math.ceil(total / 2));
    for (const page of pages.slice(0, -1)) {
      expect(page.data).toHaveLength(2);
      expect(page.nextCursor).toEqual(expect.any(String));
    }
    expect(pages.at(-1)?.nextCursor).toBeNull();
    expect(pages.flatMap((p) => p.data)).toEqual(all.body.data);
  });

  it("returns an empty last page after a cursor that points past the end", async () => {
    await api("POST", "/v1/admin/projects", { admin: true, body: { name: "Edge" } });
    const all = await api("GET", "/v1/admin/projects?limit=500", { admin: true });
    const total = all.body.data.length;
    // A page exactly as long as what is left still says there is no next page.
    const exact = await api("GET", `/v1/admin/projects?limit=${total}`, { admin: true });
    expect(exact.body).toEqual({ data: all.body.data, nextCursor: null });
    const short = await api("GET", `/v1/admin/projects?limit=${total - 1}`, { admin: true });
    expect(short.body.nextCursor).toEqual(expect.any(String));
    const last = await api("GET", `/v1/admin/projects?limit=1&cursor=${short.body.nextCursor}`, { admin: true });
    expect(last.body).toEqual({ data: [all.body.data.at(-1)], nextCursor: null });
  });

  it("accepts limit at both bounds, 1 and 500", async () => {
    await api("POST", "/v1/admin/projects", { admin: true, body: { name: "Bounds" } });
    const one = await api("GET", "/v1/admin/projects?limit=1", { admin: true });
    expect(one.status).toBe(200);
    expect(one.body.data).toHaveLength(1);
    const max = await api("GET", "/v1/admin/projects?limit=500", { admin: true });
    expect(max.status).toBe(200);
    expect(max.body.nextCursor).toBeNull();
  });
});

describe("operator: API keys", () => {
  it("creates a key and returns it once, with its public fields", async () => {
    const project = await newProject("Keys");
    const created = await api("POST", `/v1/admin/projects/${project.id}/keys`, {
      admin: true,
      body: { name: "CRM production", role: "sender" },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(KEY_ID),
      name: "CRM production",
      role: "sender",
      prefix: created.body.key.slice(0, 12),
      createdAt: anIso(),
      lastUsedAt: null,
      revokedAt: null,
      key: expect.stringMatching(API_KEY),
    });
    expect(created.body.prefix).toMatch(/^wak_/);
  });

  it("gives every key a different secret", async () => {
    const project = await newProject("Distinct");
    const a = await createKey(project.id, "a", "manager");
    const b = await createKey(project.id, "b", "manager");
    expect(a.key).not.toBe(b.key);
    expect(a.id).not.toBe(b.id);
    expect(new Set([a.key, b.key, project.manager, project.sender]).size).toBe(4);
  });

  it("stores only the SHA-256 hex hash of the key in D1", async () => {
    const project = await newProject("Hash");
    const created = await createKey(project.id, "hashed", "manager");
    const row = await keyRow(created.id);
    expect(row).toEqual({
      id: created.id,
      project_id: project.id,
      name: "hashed",
      role: "manager",
      hash: await sha256Hex(created.key),
      prefix: created.key.slice(0, 12),
      created_at: Date.parse(created.createdAt),
      last_used_at: null,
      revoked_at: null,
    });
    expect(row?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.values(row ?? {})).not.toContain(created.key);
  });

  it("lists a project's keys oldest first without the key or its hash", async () => {
    const project = await newProject("Listing");
    const extra = await createKey(project.id, "extra", "sender");
    const listed = await api("GET", `/v1/admin/projects/${project.id}/keys`, { admin: true });
    expect(listed.status).toBe(200);
    const publicKey = (id: string, name: string, role: string) => ({
      id,
      name,
      role,
      prefix: expect.stringMatching(/^wak_.{8}$/),
      createdAt: anIso(),
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(listed.body).toEqual({
      data: [
        publicKey(project.managerId, "manager", "manager"),
        publicKey(project.senderId, "sender", "sender"),
        publicKey(extra.id, "extra", "sender"),
      ].sort((a, b) => (a.id < b.id ? -1 : 1)),
      nextCursor: null,
    });
    const text = JSON.stringify(listed.body);
    expect(text).not.toMatch(/"key"|"hash"/);
    for (const secret of [project.manager, project.sender, extra.key]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(await sha256Hex(secret));
    }
    for (const row of listed.body.data) {
      expect(Object.keys(row).sort()).toEqual(["createdAt", "id", "lastUsedAt", "name", "prefix", "revokedAt", "role"]);
    }
  });

  it("lists only the keys of the project asked for", async () => {
    const a = await newProject("A");
    const b = await newProject("B");
    const listed = await api("GET", `/v1/admin/projects/${a.id}/keys`, { admin: true });
    const ids = listed.body.data.map((k: { id: string }) => k.id);
    expect(ids.sort()).toEqual([a.managerId, a.senderId].sort());
    expect(ids).not.toContain(b.managerId);
  });

  it("walks a project's keys page by page", async () => {
    const project = await newProject("Key pages");
    for (let i = 0; i < 5; i++) await createKey(project.id, `k${i}`, i % 2 === 0 ? "manager" : "sender");
    const all = await api("GET", `/v1/admin/projects/${project.id}/keys?limit=500`, { admin: true });
    expect(all.body.data).toHaveLength(7);
    const pages = await walkPages(`/v1/admin/projects/${project.id}/keys`, 3, { admin: true });
    expect(pages.map((p) => p.data.length)).toEqual([3, 3, 1]);
    expect(pages.map((p) => p.nextCursor === null)).toEqual([false, false, true]);
    expect(pages.flatMap((p) => p.data)).toEqual(all.body.data);
  });

  it("an empty project lists no keys", async () => {
    const created = await api("POST", "/v1/admin/projects", { admin: true, body: { name: "Keyless" } });
    const listed = await api("GET", `/v1/admin/projects/${created.body.id}/keys`, { admin: true });
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({ data: [], nextCursor: null });
  });

  it("revokes a key, and revoking twice returns the same revocation", async () => {
    const project = await newProject("Revoke");
    const first = await api("DELETE", `/v1/admin/projects/${project.id}/keys/${project.senderId}`, { admin: true });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      id: project.senderId,
      name: "sender",
      role: "sender",
      prefix: project.sender.slice(0, 12),
      createdAt: anIso(),
      lastUsedAt: null,
      revokedAt: anIso(),
    });
    const second = await api("DELETE", `/v1/admin/projects/${project.id}/keys/${project.senderId}`, { admin: true });
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);

    const row = await keyRow(project.senderId);
    expect(row?.revoked_at).toBe(Date.parse(first.body.revokedAt));

    const listed = await api("GET", `/v1/admin/projects/${project.id}/keys`, { admin: true });
    const byId = Object.fromEntries(listed.body.data.map((k: { id: string }) => [k.id, k]));
    expect(byId[project.senderId]).toEqual(first.body);
    expect(byId[project.managerId].revokedAt).toBeNull();
  });
});
