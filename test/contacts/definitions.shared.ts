import { beforeEach, describe, expect, it } from "vitest";
import { anIso, call, expectError, newProject, type Project } from "../helpers";
import { define, listAll, walkPages } from "./contacts.helpers";

/**
 * The behaviour `/v1/tags` and `/v1/attributes` share: both are per-project vocabularies served by
 * the same module, so each kind runs the same suite (from tags.test.ts and attributes.test.ts).
 */
export function definitionSuite(kind: "tags" | "attributes") {
  const base = `/v1/${kind}`;
  const noun = kind === "tags" ? "tag" : "attribute";
  let p: Project;

  beforeEach(async () => {
    p = await newProject(`${kind} suite`);
  });

  describe(`POST ${base}`, () => {
    it("creates a definition and answers 201 with exactly its name and creation time", async () => {
      const result = await call("POST", base, { key: p.manager, body: { name: "vip" } });
      expect(result.status).toBe(201);
      expect(result.body).toEqual({ name: "vip", createdAt: anIso() });
      expect(Object.keys(result.body).sort()).toEqual(["createdAt", "name"]);
    });

    it("trims surrounding whitespace from the name", async () => {
      const result = await call("POST", base, { key: p.manager, body: { name: "  city tier  " } });
      expect(result.status).toBe(201);
      expect(result.body).toEqual({ name: "city tier", createdAt: anIso() });
    });

    it("accepts names of exactly 64 characters and non-ASCII names", async () => {
      const long = "x".repeat(64);
      const created = await call("POST", base, { key: p.manager, body: { name: long } });
      expect(created.status).toBe(201);
      expect(created.body.name).toBe(long);
      const unicode = await call("POST", base, { key: p.manager, body: { name: "शहर café 🚀" } });
      expect(unicode.status).toBe(201);
      expect(unicode.body.name).toBe("शहर café 🚀");
    });

    it("answers 409 conflict for a name the project already has, also after trimming", async () => {
      await define(kind, p.manager, "vip");
      const again = await call("POST", base, { key: p.manager, body: { name: "vip" } });
      expectError(again, 409, "conflict");
      expect(again.body.error.message).toBe(`${noun} "vip" already exists`);
      const padded = await call("POST", base, { key: p.manager, body: { name: " vip " } });
      expectError(padded, 409, "conflict");
      const list = await call("GET", base, { key: p.manager });
      expect(list.body.data.map((d: { name: string }) => d.name)).toEqual(["vip"]);
    });

    it("treats names as case-sensitive", async () => {
      await define(kind, p.manager, "vip");
      const upper = await call("POST", base, { key: p.manager, body: { name: "VIP" } });
      expect(upper.status).toBe(201);
      expect(upper.body.name).toBe("VIP");
    });

    it.each([
      ["missing", {}],
      ["null", { name: null }],
      ["a number", { name: 42 }],
      ["empty", { name: "" }],
      ["only whitespace", { name: "   " }],
      ["65 characters", { name: "x".repeat(65) }],
      ["a NUL character", { name: "v\u0000ip" }],
      ["a newline inside", { name: "v\nip" }],
      ["an escape character", { name: "vip\u001b[31m" }],
      ["a C1 control character", { name: "vip\u0085x" }],
      ["a DEL character", { name: "v\u007fip" }],
      ["the reserved __proto__", { name: "__proto__" }],
    ])("rejects a name that is %s with 400 naming `name`", async (_, body) => {
      const result = await call("POST", base, { key: p.manager, body });
      expectError(result, 400, "validation_failed", ["name"]);
      expect(result.body.error.fields[0].in).toBe("body");
      const list = await call("GET", base, { key: p.manager });
      expect(list.body).toEqual({ data: [], nextCursor: null });
    });

    it("rejects a body that is not an object with 400", async () => {
      const result = await call("POST", base, { key: p.manager, body: ["vip"] });
      expectError(result, 400, "validation_failed", ["(root)"]);
    });

    it("forbids a sender key with 403 and creates nothing", async () => {
      const result = await call("POST", base, { key: p.sender, body: { name: "vip" } });
      expectError(result, 403, "forbidden");
      const list = await call("GET", base, { key: p.manager });
      expect(list.body).toEqual({ data: [], nextCursor: null });
    });

    it("answers 403 to a sender even when the body is invalid, rather than validating it", async () => {
      const result = await call("POST", base, { key: p.sender, body: { name: "" } });
      expectError(result, 403, "forbidden");
    });

    it("answers 401 without a key or with an unknown key", async () => {
      expectError(await call("POST", base, { body: { name: "vip" } }), 401, "unauthorized");
      expectError(await call("POST", base, { key: "wak_not-a-real-key", body: { name: "vip" } }), 401, "unauthorized");
    });
  });

  describe(`GET ${base}`, () => {
    it("answers an empty page for a project with no definitions", async () => {
      const result = await call("GET", base, { key: p.manager });
      expect(result.status).toBe(200);
      expect(result.body).toEqual({ data: [], nextCursor: null });
    });

    it("is readable by both the manager and the sender key, sorted by name", async () => {
      await define(kind, p.manager, "zeta", "alpha", "mid", "beta");
      for (const key of [p.manager, p.sender]) {
        const result = await call("GET", base, { key });
        expect(result.status).toBe(200);
        expect(result.body).toEqual({
          data: ["alpha", "beta", "mid", "zeta"].map((name) => ({ name, createdAt: anIso() })),
          nextCursor: null,
        });
      }
    });

    it("walks every page with a cursor, each name exactly once and in order", async () => {
      const names = ["e", "c", "a", "g", "b", "f", "d"];
      await define(kind, p.manager, ...names);
      const pages = await walkPages(base, p.sender, 2);
      expect(pages.map((page) => page.body.data.map((d: { name: string }) => d.name))).toEqual([
        ["a", "b"],
        ["c", "d"],
        ["e", "f"],
        ["g"],
      ]);
      expect(pages.at(-1)?.body.nextCursor).toBeNull();
      for (const page of pages.slice(0, -1)) expect(page.body.nextCursor).toEqual(expect.any(String));
    });

    it("ends with a null cursor when the last page is exactly full", async () => {
      await define(kind, p.manager, "a", "b", "c", "d");
      const pages = await walkPages(base, p.manager, 2);
      expect(pages.map((page) => page.body.data.length)).toEqual([2, 2]);
      expect(pages[1]?.body.nextCursor).toBeNull();
    });

    it("returns a whole project's definitions on one page when the limit allows", async () => {
      await define(kind, p.manager, "b", "a");
      const result = await call("GET", `${base}?limit=500`, { key: p.manager });
      expect(result.body.data.map((d: { name: string }) => d.name)).toEqual(["a", "b"]);
      expect(result.body.nextCursor).toBeNull();
    });

    it.each([
      ["limit=0", "limit"],
      ["limit=501", "limit"],
      ["limit=1.5", "limit"],
      ["limit=abc", "limit"],
      ["cursor=not-a-cursor", "cursor"],
      // A cursor of the wrong kind: a number where a name is expected.
      [`cursor=${btoa("5")}`, "cursor"],
    ])("rejects ?%s with 400 naming `%s`", async (query, field) => {
      const result = await call("GET", `${base}?${query}`, { key: p.manager });
      expectError(result, 400, "validation_failed", [field]);
      expect(result.body.error.fields[0].in).toBe("query");
    });

    it("answers 401 without a key", async () => {
      expectError(await call("GET", base), 401, "unauthorized");
    });
  });

  describe(`DELETE ${base}/:name`, () => {
    it("answers 200 with the deleted definition, then 404", async () => {
      const created = await call("POST", base, { key: p.manager, body: { name: "vip" } });
      const deleted = await call("DELETE", `${base}/vip`, { key: p.manager });
      expect(deleted.status).toBe(200);
      expect(deleted.body).toEqual(created.body);
      expectError(await call("DELETE", `${base}/vip`, { key: p.manager }), 404, "not_found");
      const list = await call("GET", base, { key: p.manager });
      expect(list.body).toEqual({ data: [], nextCursor: null });
    });

    it("deletes only the named definition", async () => {
      await define(kind, p.manager, "a", "b", "c");
      expect((await call("DELETE", `${base}/b`, { key: p.manager })).status).toBe(200);
      expect(await listAll(base, p.manager)).toEqual([
        { name: "a", createdAt: anIso() },
        { name: "c", createdAt: anIso() },
      ]);
    });

    it("answers 404 for a name that was never defined", async () => {
      const result = await call("DELETE", `${base}/ghost`, { key: p.manager });
      expectError(result, 404, "not_found");
      expect(result.body.error.message).toBe(`${noun} not found`);
    });

    it.each(["a/b", "50%off", "hello world", "café", "a?b", "a#b", "%41", "+plus"])(
      "deletes a definition named %j when the name is URL-encoded",
      async (name) => {
        await define(kind, p.manager, name, "other");
        const deleted = await call("DELETE", `${base}/${encodeURIComponent(name)}`, { key: p.manager });
        expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
        expect(deleted.body).toEqual({ name, createdAt: anIso() });
        expect((await listAll(base, p.manager)).map((d) => d.name)).toEqual(["other"]);
      },
    );

    it("allows the name to be defined again after it was deleted", async () => {
      await define(kind, p.manager, "vip");
      await call("DELETE", `${base}/vip`, { key: p.manager });
      const again = await call("POST", base, { key: p.manager, body: { name: "vip" } });
      expect(again.status).toBe(201);
    });

    it("forbids a sender key with 403 and keeps the definition", async () => {
      await define(kind, p.manager, "vip");
      expectError(await call("DELETE", `${base}/vip`, { key: p.sender }), 403, "forbidden");
      // 403 also for a name that does not exist: a sender learns nothing about which names exist.
      expectError(await call("DELETE", `${base}/ghost`, { key: p.sender }), 403, "forbidden");
      expect((await listAll(base, p.manager)).map((d) => d.name)).toEqual(["vip"]);
    });

    it("rejects a name with a control character in the path with 400 naming `name`", async () => {
      const result = await call("DELETE", `${base}/${encodeURIComponent("v\u0001ip")}`, { key: p.manager });
      expectError(result, 400, "validation_failed", ["name"]);
      expect(result.body.error.fields[0].in).toBe("path");
    });

    it("rejects a name longer than 64 characters in the path with 400 naming `name`", async () => {
      const result = await call("DELETE", `${base}/${"x".repeat(65)}`, { key: p.manager });
      expectError(result, 400, "validation_failed", ["name"]);
    });

    it("answers 401 without a key", async () => {
      expectError(await call("DELETE", `${base}/vip`), 401, "unauthorized");
    });
  });
}
