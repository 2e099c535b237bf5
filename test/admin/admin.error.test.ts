import { describe, expect, it } from "vitest";
import { api, expectError, newProject } from "../helpers";

const ADMIN_401 = {
  error: { code: "unauthorized", message: "operator routes need `Authorization: Bearer <ADMIN_TOKEN>`" },
  requestId: expect.any(String),
};

describe("operator: invalid input", () => {
  it("rejects a project without a name", async () => {
    const result = await api("POST", "/v1/admin/projects", { admin: true, body: {} });
    expectError(result, 400, "validation_failed", ["name"]);
    expect(result.body.error.fields).toEqual([{ field: "name", in: "body", message: expect.any(String) }]);
  });

  it.each([
    ["empty", ""],
    ["blank", "   "],
    ["too long", "x".repeat(101)],
    ["not a string", 42],
    ["null", null],
  ])("rejects a %s project name", async (_label, name) => {
    const result = await api("POST", "/v1/admin/projects", { admin: true, body: { name } });
    expectError(result, 400, "validation_failed", ["name"]);
    expect(result.body.error.fields[0].in).toBe("body");
  });

  it("rejects a body that is not an object", async () => {
    const result = await api("POST", "/v1/admin/projects", { admin: true, body: ["name"] });
    expectError(result, 400, "validation_failed", ["(root)"]);
  });

  it("rejects a POST without a body", async () => {
    const result = await api("POST", "/v1/admin/projects", { admin: true });
    expectError(result, 400, "validation_failed");
  });

  it("creates nothing when the input is rejected", async () => {
    const before = await api("GET", "/v1/admin/projects?limit=500", { admin: true });
    await api("POST", "/v1/admin/projects", { admin: true, body: { name: "" } });
    const after = await api("GET", "/v1/admin/projects?limit=500", { admin: true });
    expect(after.body).toEqual(before.body);
  });

  it("rejects a key with a bad role", async () => {
    const project = await newProject();
    const result = await api("POST", `/v1/admin/projects/${project.id}/keys`, {
      admin: true,
      body: { name: "k", role: "owner" },
    });
    expectError(result, 400, "validation_failed", ["role"]);
    expect(result.body.error.fields[0]).toEqual({ field: "role", in: "body", message: expect.any(String) });
  });

  it("names every offending field of a key at once", async () => {
    const project = await newProject();
    const result = await api("POST", `/v1/admin/projects/${project.id}/keys`, { admin: true, body: {} });
    expectError(result, 400, "validation_failed", ["name", "role"]);
    const blank = await api("POST", `/v1/admin/projects/${project.id}/keys`, {
      admin: true,
      body: { name: " ", role: "MANAGER" },
    });
    expectError(blank, 400, "validation_failed", ["name", "role"]);
    expect(blank.body.error.message).toMatch(/^name: .+; role: .+$/);
  });

  it("creates no key when the input is rejected", async () => {
    const project = await newProject();
    await api("POST", `/v1/admin/projects/${project.id}/keys`, { admin: true, body: { name: "k", role: "x" } });
    const listed = await api("GET", `/v1/admin/projects/${project.id}/keys`, { admin: true });
    expect(listed.body.data).toHaveLength(2);
  });
});

describe("operator: pagination input", () => {
  const lists = async () => {
    const project = await newProject();
    return ["/v1/admin/projects", `/v1/admin/projects/${project.id}/keys`];
  };

  it.each(["0", "501", "-1", "1.5", "abc", ""])("rejects limit=%s naming `limit`", async (limit) => {
    for (const path of await lists()) {
      const result = await api("GET", `${path}?limit=${limit}`, { admin: true });
      expectError(result, 400, "validation_failed", ["limit"]);
      expect(result.body.error.fields[0].in).toBe("query");
    }
  });

  it.each([
    ["not base64", "!!!"],
    ["base64 of non-JSON", btoa("hello")],
    ["a number cursor", btoa("42")],
    ["empty", ""],
    ["too long", "a".repeat(201)],
  ])("rejects a cursor that is %s, naming `cursor`", async (_label, cursor) => {
    for (const path of await lists()) {
      const result = await api("GET", `${path}?cursor=${encodeURIComponent(cursor)}`, { admin: true });
      expectError(result, 400, "validation_failed", ["cursor"]);
      expect(result.body.error.fields[0].in).toBe("query");
    }
  });
});

describe("operator: unknown resources", () => {
  it("404s an unknown project on every project route", async () => {
    const missing = "prj_000000000000000000000000";
    const cases = [
      await api("GET", `/v1/admin/projects/${missing}`, { admin: true }),
      await api("GET", `/v1/admin/projects/${missing}/keys`, { admin: true }),
      await api("POST", `/v1/admin/projects/${missing}/keys`, { admin: true, body: { name: "k", role: "sender" } }),
    ];
    for (const result of cases) {
      expectError(result, 404, "not_found");
      expect(result.body.error).toEqual({ code: "not_found", message: "project not found" });
    }
  });

  it("validates the key body before looking up the project", async () => {
    const result = await api("POST", "/v1/admin/projects/prj_nope/keys", { admin: true, body: { name: "k" } });
    expectError(result, 400, "validation_failed", ["role"]);
  });

  it("404s revoking an unknown key, or a key of another project", async () => {
    const a = await newProject("A");
    const b = await newProject("B");
    const unknown = await api("DELETE", `/v1/admin/projects/${a.id}/keys/key_000000000000000000000000`, {
      admin: true,
    });
    expectError(unknown, 404, "not_found");
    expect(unknown.body.error.message).toBe("API key not found");
    const foreign = await api("DELETE", `/v1/admin/projects/${a.id}/keys/${b.managerId}`, { admin: true });
    expectError(foreign, 404, "not_found");
    // The other project's key is untouched and still works.
    const who = await api("GET", "/v1/project", { key: b.manager });
    expect(who.status).toBe(200);
  });
});

describe("operator: credentials", () => {
  const routes = (projectId: string, keyId: string): [string, string, unknown?][] => [
    ["POST", "/v1/admin/projects", { name: "x" }],
    ["GET", "/v1/admin/projects"],
    ["GET", `/v1/admin/projects/${projectId}`],
    ["POST", `/v1/admin/projects/${projectId}/keys`, { name: "x", role: "manager" }],
    ["GET", `/v1/admin/projects/${projectId}/keys`],
    ["DELETE", `/v1/admin/projects/${projectId}/keys/${keyId}`],
  ];

  it("401s every operator route without a token, with WWW-Authenticate", async () => {
    const project = await newProject();
    for (const [method, path, body] of routes(project.id, project.senderId)) {
      const result = await api(method, path, { body });
      expect(result.status, `${method} ${path}`).toBe(401);
      expect(result.body).toEqual(ADMIN_401);
      expect(result.headers.get("www-authenticate")).toBe('Bearer realm="admin"');
    }
  });

  it.each([
    ["a wrong token", "Bearer not-the-admin-token-at-all"],
    ["a token that is a prefix of the real one", "Bearer test-admin-token"],
    ["an empty bearer", "Bearer "],
    ["another scheme", "Basic dGVzdDp0ZXN0"],
  ])("401s %s", async (_label, authorization) => {
    const project = await newProject();
    for (const [method, path, body] of routes(project.id, project.senderId)) {
      const result = await api(method, path, { body, headers: { authorization } });
      expect(result.status, `${method} ${path}`).toBe(401);
      expect(result.body).toEqual(ADMIN_401);
    }
  });

  it("401s an API key used as the admin token, whatever its role", async () => {
    const project = await newProject();
    for (const key of [project.manager, project.sender]) {
      for (const [method, path, body] of routes(project.id, project.senderId)) {
        const result = await api(method, path, { body, key });
        expect(result.status, `${method} ${path}`).toBe(401);
        expect(result.body).toEqual(ADMIN_401);
      }
    }
  });

  it("changes nothing when the token is refused", async () => {
    const project = await newProject();
    await api("DELETE", `/v1/admin/projects/${project.id}/keys/${project.senderId}`, { key: project.manager });
    await api("POST", `/v1/admin/projects/${project.id}/keys`, { body: { name: "sneaky", role: "manager" } });
    const listed = await api("GET", `/v1/admin/projects/${project.id}/keys`, { admin: true });
    expect(listed.body.data.map((k: { name: string; revokedAt: unknown }) => [k.name, k.revokedAt]).sort()).toEqual([
      ["manager", null],
      ["sender", null],
    ]);
  });
});
