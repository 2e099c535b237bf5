import { waitUntil } from "cloudflare:workers";
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { attributes, contacts, tags } from "../../platform/db/schema";

/**
 * What the API-campaign request path needs to know about a project's contacts without a D1 round
 * trip: which tag and attribute names are defined (to report ignored ones) and who opted out (to
 * skip marketing at once). The contact row stays the authority: the consumer re-checks opt-out as
 * it records the message (features/api-campaigns/persist.ts) and a run's sends re-check it before
 * the claim, so a stale snapshot can delay the "skipped" answer but never lets a marketing message
 * through to someone who opted out. That is why a snapshot older than SNAPSHOT_TTL_MS may still
 * answer while a fresh one loads in the background: the request path waits on D1 only for a
 * project it has never loaded, or whose snapshot is older than MAX_STALE_MS.
 */
export const SNAPSHOT_TTL_MS = 30_000;
// Past this age a snapshot is not served at all (an isolate idle for minutes loads afresh).
export const MAX_STALE_MS = 5 * 60_000;
// Past this many opted-out numbers the set is not cached; the request path then looks up the one
// number it needs (a single indexed read).
export const MAX_CACHED_OPT_OUTS = 50_000;
// A background load that has not finished by then is taken for lost, and another may start.
const REFRESH_TIMEOUT_MS = 30_000;

export interface ProjectSnapshot {
  tags: Set<string>;
  attributes: Set<string>;
  /** null: too many to cache; ask `isOptedOut`. */
  optedOut: Set<string> | null;
  loadedAt: number;
}

// Only loaded snapshots are shared between requests, never a pending load: a Worker must not
// await, in one request, I/O that another request started (see src/features/media/cache.ts). A
// background refresh is awaited by nobody; it replaces the entry when it lands.
const snapshots = new Map<string, ProjectSnapshot>();
// Projects whose background refresh is under way, with when it started: one at a time per project.
const refreshing = new Map<string, { startedAt: number }>();
// Bumped by `forgetSnapshot`: a load that began before an opt change must not put back what it read.
const generations = new Map<string, number>();

export function forgetSnapshot(projectId: string) {
  snapshots.delete(projectId);
  refreshing.delete(projectId);
  generations.set(projectId, (generations.get(projectId) ?? 0) + 1);
}

/**
 * The three reads in one round trip. The opted-out numbers come from the partial index
 * contacts_opted_out, which holds only opted-out rows: the literal `opted_out = 1` (not a bound
 * parameter) is what lets SQLite pick it.
 */
export function snapshotQueries(db: Db, projectId: string) {
  return [
    db.select({ name: tags.name }).from(tags).where(eq(tags.projectId, projectId)),
    db.select({ name: attributes.name }).from(attributes).where(eq(attributes.projectId, projectId)),
    db
      .select({ number: contacts.number })
      .from(contacts)
      .where(sql`${contacts.projectId} = ${projectId} AND ${contacts.optedOut} = 1`)
      .limit(MAX_CACHED_OPT_OUTS + 1),
  ] as const;
}

async function load(db: Db, projectId: string, now: number): Promise<ProjectSnapshot> {
  const [tagRows, attributeRows, optedOutRows] = await db.batch(snapshotQueries(db, projectId));
  return {
    tags: new Set(tagRows.map((r) => r.name)),
    attributes: new Set(attributeRows.map((r) => r.name)),
    optedOut: optedOutRows.length > MAX_CACHED_OPT_OUTS ? null : new Set(optedOutRows.map((r) => r.number)),
    loadedAt: now,
  };
}

/** Keeps a snapshot unless an opt change was forgotten since its load began (`generation`). */
function keep(projectId: string, snapshot: ProjectSnapshot, generation: number) {
  if ((generations.get(projectId) ?? 0) !== generation) return;
  if (snapshots.size > 10_000) snapshots.clear();
  snapshots.set(projectId, snapshot);
}

/** Loads a fresh snapshot behind the request; what it read is dropped if an opt change came in meanwhile. */
function refreshInBackground(db: Db, projectId: string, now: number, defer: (work: Promise<unknown>) => void) {
  const pending = refreshing.get(projectId);
  if (pending && now - pending.startedAt < REFRESH_TIMEOUT_MS) return;
  const mine = { startedAt: now };
  refreshing.set(projectId, mine);
  const generation = generations.get(projectId) ?? 0;
  const work = load(db, projectId, now).then(
    (snapshot) => keep(projectId, snapshot, generation),
    // The stale snapshot keeps answering until MAX_STALE_MS; the next request tries again.
    () => undefined,
  );
  defer(
    work.finally(() => {
      if (refreshing.get(projectId) === mine) refreshing.delete(projectId);
    }),
  );
}

/**
 * The project's snapshot: a fresh one at once, a stale one (up to MAX_STALE_MS) at once while a
 * fresh one loads behind the request, otherwise loaded now. `defer` keeps the background load alive
 * past the response (the runtime's waitUntil; tests pass their own).
 */
export async function projectSnapshot(
  db: Db,
  projectId: string,
  now = Date.now(),
  defer: (work: Promise<unknown>) => void = waitUntil,
): Promise<ProjectSnapshot> {
  const cached = snapshots.get(projectId);
  const age = cached ? now - cached.loadedAt : Number.POSITIVE_INFINITY;
  if (cached && age < SNAPSHOT_TTL_MS) return cached;
  if (cached && age < MAX_STALE_MS) {
    refreshInBackground(db, projectId, now, defer);
    return cached;
  }
  const generation = generations.get(projectId) ?? 0;
  const snapshot = await load(db, projectId, now);
  keep(projectId, snapshot, generation);
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
