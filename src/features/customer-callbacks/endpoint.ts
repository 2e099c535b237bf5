// A project's status-callback endpoint: the URL rules, the signing secret, and a short per-isolate
// memory of which projects have an endpoint at all (asked after every batch of transitions).

import { inArray } from "drizzle-orm";
import { randomBytes, toBase64Url } from "../../platform/crypto";
import type { Db } from "../../platform/db/client";
import { callbackEndpoints } from "../../platform/db/schema";
import { refuseUrl, type UrlRefusal } from "../media/address";

/** The AES-GCM additional data the secret is sealed under: a ciphertext only opens in its own row. */
export const callbackSecretContext = (projectId: string) => `${projectId}:callback_secret`;

/** A new signing secret: 256 random bits, prefixed so a person can tell what it is. */
export const newCallbackSecret = () => `whsec_${toBase64Url(randomBytes(32))}`;

export const MAX_CALLBACK_URL_LENGTH = 2048;

const REFUSALS: Record<UrlRefusal, string> = {
  invalid: "is not a valid URL",
  scheme: "must start with https:// (or http://)",
  credentials: "must not contain a user name or password",
  "internal-name": "must name a public host, not a local or internal one",
  "private-address": "must point to a public address, not a private, loopback, link-local or reserved one",
};

/**
 * Whether a callback URL may be used, by the same rules as media URLs (src/features/media/address.ts):
 * http(s) only, no credentials, no private, loopback, link-local, metadata or reserved address in
 * any spelling, no single-label or internal names. Checked when it is set and again at every send.
 */
export function checkCallbackUrl(text: string): { ok: true; url: URL } | { ok: false; reason: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: REFUSALS.invalid };
  }
  const refusal = refuseUrl(url);
  return refusal === null ? { ok: true, url } : { ok: false, reason: REFUSALS[refusal] };
}

// Transitions come in batches from every campaign of every project; most projects may have no
// endpoint. Knowing that for CACHE_TTL_MS saves a D1 read per batch. The isolate that sets or
// deletes an endpoint forgets its entry at once; others notice within the TTL. Delivery reads the
// endpoint afresh, so a deleted endpoint never receives a callback that was queued meanwhile.
export const ENDPOINT_CACHE_TTL_MS = 30_000;
const MAX_CACHED_PROJECTS = 10_000;
const cache = new Map<string, { has: boolean; expiresAt: number }>();

export function forgetCallbackEndpoint(projectId: string) {
  cache.delete(projectId);
}

/** The projects among `projectIds` that have a callback endpoint; one D1 read for the unknown ones. */
export async function projectsWithEndpoint(db: Db, projectIds: string[], now: number): Promise<Set<string>> {
  const found = new Set<string>();
  const unknown: string[] = [];
  for (const projectId of new Set(projectIds)) {
    const entry = cache.get(projectId);
    if (entry && entry.expiresAt > now) {
      if (entry.has) found.add(projectId);
    } else {
      unknown.push(projectId);
    }
  }
  if (unknown.length === 0) return found;
  const have = new Set<string>();
  // D1 binds at most 100 parameters per statement.
  for (let i = 0; i < unknown.length; i += 100) {
    const rows = await db
      .select({ projectId: callbackEndpoints.projectId })
      .from(callbackEndpoints)
      .where(inArray(callbackEndpoints.projectId, unknown.slice(i, i + 100)));
    for (const row of rows) have.add(row.projectId);
  }
  if (cache.size + unknown.length > MAX_CACHED_PROJECTS) cache.clear();
  for (const projectId of unknown) {
    cache.set(projectId, { has: have.has(projectId), expiresAt: now + ENDPOINT_CACHE_TTL_MS });
    if (have.has(projectId)) found.add(projectId);
  }
  return found;
}
