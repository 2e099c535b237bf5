import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { sha256Hex } from "../crypto";
import type { Db } from "../db/client";
import { apiKeys, sessions } from "../db/schema";
import { ApiError } from "../errors";
import type { AppEnv, Principal } from "../http/context";

/**
 * The dashboard's sign-in cookie. `__Host-` would pin it to the host and path, but browsers only
 * accept that prefix over https, and the dashboard must work at http://localhost under
 * `npm run dev`; the cookie is set with Path=/ and no Domain, which is what the prefix enforces.
 */
export const SESSION_COOKIE = "wa_session";

/** Sessions are short-lived: a working day, then sign in again. */
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;

export type SessionView =
  | { kind: "key"; principal: Principal; expiresAt: number }
  | { kind: "admin"; principal: null; expiresAt: number };

interface CachedSession {
  view: SessionView | null;
  until: number;
}

// As for API keys (./api-key.ts), an isolate remembers a session briefly, so a dashboard page's
// dozen requests cost one D1 read. The price: a sign-out or key revocation handled by another
// isolate takes up to this long to reach this one. The isolate that handles it forgets at once.
const SESSION_CACHE_TTL_MS = 30_000;
const MAX_CACHED_SESSIONS = 10_000;
const sessionCache = new Map<string, CachedSession>();

export function forgetSession(token: string) {
  sessionCache.delete(token);
}

/** Sessions of a revoked key end with it (the key's own cache is forgotten the same way). */
export function forgetSessionsOfKey(keyId: string) {
  for (const [token, entry] of sessionCache) {
    if (entry.view?.kind === "key" && entry.view.principal.keyId === keyId) sessionCache.delete(token);
  }
}

async function readSession(db: Db, token: string, now: number): Promise<SessionView | null> {
  const row = await db
    .select({
      kind: sessions.kind,
      expiresAt: sessions.expiresAt,
      keyId: apiKeys.id,
      projectId: apiKeys.projectId,
      role: apiKeys.role,
      revokedAt: apiKeys.revokedAt,
    })
    .from(sessions)
    .leftJoin(apiKeys, eq(apiKeys.id, sessions.keyId))
    .where(eq(sessions.id, await sha256Hex(token)))
    .get();
  if (!row || row.expiresAt <= now) return null;
  if (row.kind === "admin") return { kind: "admin", principal: null, expiresAt: row.expiresAt };
  if (!row.keyId || !row.projectId || !row.role || row.revokedAt !== null) return null;
  return {
    kind: "key",
    principal: { keyId: row.keyId, projectId: row.projectId, role: row.role },
    expiresAt: row.expiresAt,
  };
}

/** The session behind the request's cookie, or null when there is no cookie or it is not (or no longer) valid. */
export async function presentedSession(c: Context<AppEnv>): Promise<SessionView | null> {
  const token = getCookie(c, SESSION_COOKIE);
  if (!token || token.length > 128) return null;
  const now = Date.now();
  let entry = sessionCache.get(token);
  if (entry === undefined || entry.until <= now) {
    entry = { view: await readSession(c.var.db, token, now), until: now + SESSION_CACHE_TTL_MS };
    if (sessionCache.size >= MAX_CACHED_SESSIONS) sessionCache.clear();
    sessionCache.set(token, entry);
  }
  if (entry.view && entry.view.expiresAt <= now) return null;
  checkSameOrigin(c);
  return entry.view;
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * A cookie travels with every request the browser makes to this host, whoever asked for it.
 * SameSite=Strict keeps other sites' pages from sending it; this check is the second lock: a
 * request that changes something, authenticated by the cookie alone, must come from this origin.
 * Browsers send `Sec-Fetch-Site` (all current ones) or at least `Origin` on such requests.
 */
function checkSameOrigin(c: Context<AppEnv>) {
  if (SAFE.has(c.req.method)) return;
  const site = c.req.header("sec-fetch-site");
  if (site !== undefined) {
    if (site === "same-origin") return;
  } else {
    const origin = c.req.header("origin");
    if (origin !== undefined && origin === new URL(c.req.url).origin) return;
  }
  throw new ApiError(
    "forbidden",
    "a request signed in by the dashboard's cookie must come from the dashboard's own pages",
  );
}
