import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { sessionStart } from "../../src/platform/db/sessions";
import { api, expectError, newProject } from "../helpers";

// D1 read replication: which requests may read a replica, the bookmark that lets a client read its
// own write, and what a replica that lags must not break (src/platform/db/sessions.ts).

const BASE = "https://api.test";

/**
 * The test D1 as a replicated database would behave: sessions that may start anywhere read a
 * replica that has not yet received any API key (the rest of the data is the primary's).
 */
function laggingD1(starts: string[]): D1Database {
  const stale = (sql: string) =>
    sql.replaceAll('from "api_keys"', 'from (SELECT * FROM "api_keys" WHERE 0) AS "api_keys"');
  return new Proxy(env.DB, {
    get(target, prop) {
      if (prop !== "withSession") {
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      }
      return (start: string) => {
        starts.push(start);
        const session = target.withSession(start);
        if (start !== "first-unconstrained") return session;
        return {
          prepare: (sql: string) => session.prepare(stale(sql)),
          batch: (statements: D1PreparedStatement[]) => session.batch(statements),
          getBookmark: () => session.getBookmark(),
        };
      };
    },
  });
}

async function fetchWith(db: D1Database, method: string, path: string, key: string, body?: unknown) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`${BASE}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    }),
    { ...env, DB: db },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

describe("where a request's D1 session starts", () => {
  it("lets reads start anywhere and sends writes, and Meta's calls, to the primary", () => {
    expect(sessionStart("GET", "/v1/tags", undefined)).toBe("first-unconstrained");
    expect(sessionStart("HEAD", "/v1/tags", undefined)).toBe("first-unconstrained");
    expect(sessionStart("POST", "/v1/tags", undefined)).toBe("first-primary");
    expect(sessionStart("DELETE", "/v1/tags/x", undefined)).toBe("first-primary");
    expect(sessionStart("GET", "/webhooks/whatsapp", undefined)).toBe("first-primary");
  });

  it("starts a read from the bookmark it presents, and a write on the primary whatever it presents", () => {
    const bookmark = "0000000a-00000002-00004f5a-c5e4b0a1d2c3b4a5968778695a4b3c2d";
    expect(sessionStart("GET", "/v1/tags", bookmark)).toBe(bookmark);
    expect(sessionStart("POST", "/v1/tags", bookmark)).toBe("first-primary");
  });

  it("is what the Worker asks D1 for on each request", async () => {
    const project = await newProject();
    const starts: string[] = [];
    const db = laggingD1(starts);
    expect((await fetchWith(db, "POST", "/v1/tags", project.manager, { name: "vip" })).status).toBe(201);
    expect((await fetchWith(db, "GET", "/v1/tags", project.manager)).status).toBe(200);
    expect(starts).toEqual(["first-primary", "first-unconstrained"]);
  });
});

describe("a request that makes no query", () => {
  it("opens no session and answers no bookmark", async () => {
    const starts: string[] = [];
    const ctx = createExecutionContext();
    const response = await worker.fetch(new Request(`${BASE}/health`), { ...env, DB: laggingD1(starts) }, ctx);
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-d1-bookmark")).toBeNull();
    expect(starts).toEqual([]);
  });

  it("answers back the bookmark it presented, as a session started from it holds", async () => {
    const bookmark = "0000000a-00000002-00004f5a-c5e4b0a1d2c3b4a5968778695a4b3c2d";
    const result = await api("GET", "/health", { headers: { "x-d1-bookmark": bookmark } });
    expect(result.status).toBe(200);
    expect(result.headers.get("x-d1-bookmark")).toBe(bookmark);
  });
});

describe("bookmarks", () => {
  it("answer a write with a bookmark; a read presenting it sees the write and answers one no older", async () => {
    const project = await newProject();
    const created = await api("POST", "/v1/tags", { key: project.manager, body: { name: "gold" } });
    expect(created.status).toBe(201);
    const bookmark = created.headers.get("x-d1-bookmark");
    expect(bookmark).toMatch(/^[0-9a-f][0-9a-f-]+$/i);

    const listed = await api("GET", "/v1/tags", {
      key: project.manager,
      headers: { "x-d1-bookmark": bookmark as string },
    });
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).toContain("gold");
    const after = listed.headers.get("x-d1-bookmark") as string;
    expect(after >= (bookmark as string)).toBe(true);
  });

  it("refuses a header that is not a bookmark with a 400 naming it, on reads and writes", async () => {
    const project = await newProject();
    for (const method of ["GET", "POST"]) {
      const result = await api(method, "/v1/tags", {
        key: project.manager,
        headers: { "x-d1-bookmark": "'; DROP TABLE api_keys; --" },
        ...(method === "POST" ? { body: { name: "x" } } : {}),
      });
      expectError(result, 400, "validation_failed", ["x-d1-bookmark"]);
    }
    const tags = await api("GET", "/v1/tags", { key: project.manager });
    expect(JSON.stringify(tags.body)).not.toContain('"x"');
  });
});

describe("a replica that lags", () => {
  it("does not refuse a key created moments ago, and does not remember it as unknown", async () => {
    const project = await newProject();
    const starts: string[] = [];
    const db = laggingD1(starts);
    // The replica has no key at all: only the primary knows this one.
    for (let i = 0; i < 2; i++) expect((await fetchWith(db, "GET", "/v1/tags", project.sender)).status).toBe(200);
    expect(starts.every((s) => s === "first-unconstrained")).toBe(true);
  });

  it("still refuses a key the primary does not know", async () => {
    const response = await fetchWith(
      laggingD1([]),
      "GET",
      "/v1/tags",
      "wak_unknown-key-000000000000000000000000000000",
    );
    expect(response.status).toBe(401);
  });
});
