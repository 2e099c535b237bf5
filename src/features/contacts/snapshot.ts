import { and, eq } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { attributes, contacts, tags } from "../../platform/db/schema";

/**
 * What the API-campaign request path needs to know about a project's contacts without a D1 round
 * trip: which tag and attribute names are defined (to report ignored ones) and who opted out (to
 * skip marketing at once). Refreshed every SNAPSHOT_TTL_MS; the consumer re-checks opt-out from the
 * contact row before sending, so a stale snapshot can delay the "skipped" answer but never lets a
 * marketing message through to someone who opted out.
 */
export const SNAPSHOT_TTL_MS = 30_000;
// Past this many opted-out numbers the set is not cached; the request path then looks up the one
// number it needs (a single indexed read).
export const MAX_CACHED_OPT_OUTS = 50_000;

export interface ProjectSnapshot {
  tags: Set<string>;
  attributes: Set<string>;
  /** null: too many to cache; ask `isOptedOut`. */
  optedOut: Set<string> | null;
  expiresAt: number;
}

// Only loaded snapshots are shared between requests, never a pending load: a Worker must not
// await, in one request, I/O that another request started (see src/features/media/cache.ts). Concurrent
// cold requests each load; the last to finish is kept.
const snapshots = new Map<string, ProjectSnapshot>();

export function forgetSnapshot(projectId: string) {
  snapshots.delete(projectId);
}

async function load(db: Db, projectId: string, now: number): Promise<ProjectSnapshot> {
  const [tagRows, attributeRows, optedOutRows] = await db.batch([
    db.select({ name: tags.name }).from(tags).where(eq(tags.projectId, projectId)),
    db.select({ name: attributes.name }).from(attributes).where(eq(attributes.projectId, projectId)),
    db
      .select({ number: contacts.number })
      .from(contacts)
      .where(and(eq(contacts.projectId, projectId), eq(contacts.optedOut, true)))
      .limit(MAX_CACHED_OPT_OUTS + 1),
  ]);
  return {
    tags: new Set(tagRows.map((r) => r.name)),
    attributes: new Set(attributeRows.map((r) => r.name)),
    optedOut: optedOutRows.length > MAX_CACHED_OPT_OUTS ? null : new Set(optedOutRows.map((r) => r.number)),
    expiresAt: now + SNAPSHOT_TTL_MS,
  };
}

export async function projectSnapshot(db: Db, projectId: string, now = Date.now()): Promise<ProjectSnapshot> {
  const cached = snapshots.get(projectId);
  if (cached && cached.expiresAt > now) return cached;
  const snapshot = await load(db, projectId, now);
  if (snapshots.size > 10_000) snapshots.clear();
  snapshots.set(projectId, snapshot);
  return snapshot;
}

export async function isOptedOut(db: Db, snapshot: ProjectSnapshot, projectId: string, number: string) {
  if (snapshot.optedOut) return snapshot.optedOut.has(number);
  const row = await db
    .select({ optedOut: contacts.optedOut })
    .from(contacts)
    .where(and(eq(contacts.projectId, projectId), eq(contacts.number, number)))
    .get();
  return row?.optedOut ?? false;
}
