import { eq } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import { sha256Hex } from "../crypto";
import { createDb, type Db } from "../db/client";
import { apiKeys } from "../db/schema";
import { ApiError, malformedJson } from "../errors";
import type { AppEnv, Principal, Role } from "../http/context";
import { presentedSession } from "./session";

interface CachedKey {
  hash: string;
  principal: Principal | null; // null: unknown or revoked
  lastUsedAt: number | null;
  expiresAt: number;
}

// Keys are looked up on every request, and D1's primary may be a continent away, so an isolate
// remembers a key briefly. The price: a key revoked in another isolate keeps working there for up
// to KEY_CACHE_TTL_MS. The isolate that handles the revocation forgets the key at once.
export const KEY_CACHE_TTL_MS = 30_000;
// last_used_at is a hint for people auditing keys, not an access log: write it at most this often.
const LAST_USED_RESOLUTION_MS = 60_000;
// By the key as presented, so that a warm request neither hashes it nor waits on WebCrypto: the
// Map compares whole strings, so only the very same key finds an entry. The key lives in this
// isolate's memory, as it does during the request anyway; storage only ever holds its hash.
const keyCache = new Map<string, CachedKey>();
const MAX_CACHED_KEYS = 10_000;

export function forgetKeyHash(hash: string) {
  // Revocations are rare; a scan keeps the hot path to one Map lookup.
  for (const [key, entry] of keyCache) if (entry.hash === hash) keyCache.delete(key);
}

const keyRow = (db: Db, hash: string) =>
  db
    .select({
      id: apiKeys.id,
      projectId: apiKeys.projectId,
      role: apiKeys.role,
      revokedAt: apiKeys.revokedAt,
      lastUsedAt: apiKeys.lastUsedAt,
    })
    .from(apiKeys)
    .where(eq(apiKeys.hash, hash))
    .get();

/**
 * `primary`: set when `db` may read from a replica (a GET's session). A key created moments ago may
 * not have reached that replica, and "unknown" is remembered like any answer, so a key's absence is
 * only believed from the primary. A revocation may lag the same way, as it already does in the cache.
 */
async function lookup(key: string, db: Db, now: number, primary: Db | null): Promise<CachedKey> {
  const hash = await sha256Hex(key);
  const row = (await keyRow(db, hash)) ?? (primary ? await keyRow(primary, hash) : undefined);
  const entry: CachedKey = {
    hash,
    principal: row && row.revokedAt === null ? { projectId: row.projectId, keyId: row.id, role: row.role } : null,
    lastUsedAt: row?.lastUsedAt ?? null,
    expiresAt: now + KEY_CACHE_TTL_MS,
  };
  if (keyCache.size >= MAX_CACHED_KEYS) keyCache.clear();
  keyCache.set(key, entry);
  return entry;
}

/** The key from `Authorization` (raw or `Bearer <key>`), else the `apiKey` field of a JSON body. */
async function presentedKey(c: Parameters<Parameters<typeof createMiddleware<AppEnv>>[0]>[0]): Promise<string | null> {
  const header = c.req.header("authorization")?.trim();
  if (header) return header.replace(/^Bearer\s+/i, "").trim() || null;
  const contentType = c.req.header("content-type") ?? "";
  if (c.req.method !== "GET" && /json/i.test(contentType)) {
    const text = await c.req.text();
    // No body at all is a missing key (some routes then read it as `{}`); a body that is not JSON
    // may hide the key, so its syntax is the error to report, not the key's absence.
    if (text.trim() === "") return null;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw malformedJson();
    }
    // Parsed once: a route validating its body in one pass (platform/http/json-request.ts) reads it here.
    c.req.bodyCache.json = Promise.resolve(body);
    if (body && typeof body === "object" && "apiKey" in body && typeof body.apiKey === "string") return body.apiKey;
  }
  return null;
}

/** A key never comes in a URL (logs and proxies keep URLs): a browser signs in for a session cookie instead. */
export const requireApiKey = createMiddleware<AppEnv>(async (c, next) => {
  const key = await presentedKey(c);
  if (!key) {
    // The dashboard's pages call the same API signed in by their session cookie: same rights as the key.
    const session = await presentedSession(c);
    if (session?.kind === "key") {
      c.set("principal", session.principal);
      return next();
    }
    throw new ApiError(
      "unauthorized",
      "an API key is required: send it as `Authorization: Bearer <key>` or as `apiKey` in the JSON body",
      {
        headers: { "WWW-Authenticate": 'Bearer realm="api"' },
      },
    );
  }
  const now = Date.now();
  let entry = keyCache.get(key);
  if (entry === undefined || entry.expiresAt <= now) {
    const mayLag = c.req.method === "GET" || c.req.method === "HEAD";
    entry = await lookup(key, c.get("db"), now, mayLag ? createDb(c.env.DB) : null);
  }
  if (!entry.principal) throw new ApiError("unauthorized", "the API key is unknown or has been revoked");
  if (entry.lastUsedAt === null || now - entry.lastUsedAt > LAST_USED_RESOLUTION_MS) {
    entry.lastUsedAt = now;
    const keyId = entry.principal.keyId;
    // A fresh client on the raw binding: this write happens after the answer and is not one the
    // request waits on (the benchmark counts those).
    c.executionCtx.waitUntil(
      createDb(c.env.DB)
        .update(apiKeys)
        .set({ lastUsedAt: now })
        .where(eq(apiKeys.id, keyId))
        .run()
        .catch((err: unknown) => c.get("log").warn("last_used_at update failed", { err })),
    );
  }
  c.set("principal", entry.principal);
  await next();
});

const RANK: Record<Role, number> = { sender: 1, manager: 2 };

export const requireRole = (role: Role) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const have = c.get("principal").role;
    if (RANK[have] < RANK[role]) {
      throw new ApiError("forbidden", `this action needs a ${role} key; the key used has the ${have} role`);
    }
    await next();
  });
