import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { archives } from "../../platform/db/schema";
import { drainOutbox, outbox } from "../outbox";
import type { ManifestRow } from "./store";
import { unitWhere } from "./units";

// Messages deleted per statement. Each takes its history rows with it (message_events cascades,
// and D1 enforces foreign keys), about five per message: a statement stays around a thousand rows
// and well inside D1's per-query time. Statements go one per round trip so a slice can stop
// between any two.
export const DELETE_PAGE = 200;

/** The outbox has not counted the unit's history yet: try again later. */
export class OutboxBehindError extends Error {}

/**
 * Deletes the unit's rows from D1, a page at a time, until none is left or `deadline` passes.
 * Deleting is idempotent (a row deleted twice is not there the second time), so a crash between
 * pages is resumed by running this again. A row changed at or after the snapshot is not in the
 * object as it is now: it stays in D1, and reads prefer it. Returns the manifest once `pruned`,
 * null when time ran out first.
 */
export async function pruneUnit(env: Env, db: Db, manifest: ManifestRow, deadline: number) {
  await outboxCaughtUp(env, manifest.eventsThrough ?? 0);
  const where = unitWhere(manifest.projectId, manifest);
  const snapshotAt = manifest.snapshotAt ?? 0;
  for (;;) {
    if (Date.now() >= deadline) return null;
    const deleted = await db.all<{ id: string }>(sql`
      DELETE FROM messages WHERE id IN (
        SELECT m.id FROM messages m WHERE ${where} AND m.updated_at < ${snapshotAt} ORDER BY m.id LIMIT ${DELETE_PAGE})
      RETURNING id`);
    if (deleted.length < DELETE_PAGE) break;
  }
  const kept = await db.all<{ n: number }>(sql`SELECT count(*) AS n FROM messages m WHERE ${where}`);
  const now = Date.now();
  return (
    (await db
      .update(archives)
      .set({ state: "pruned", keptLive: kept[0]?.n ?? 0, prunedAt: now, updatedAt: now })
      .where(and(eq(archives.id, manifest.id), eq(archives.state, "written")))
      .returning()
      .get()) ?? null
  );
}

/**
 * Counters and status callbacks follow the history rows (src/features/outbox): rows deleted before
 * the outbox read them would never be counted. Asks it to catch up first, once.
 */
async function outboxCaughtUp(env: Env, through: number) {
  if (through === 0) return;
  if ((await outbox(env).watermark()) >= through) return;
  await drainOutbox(env);
  if ((await outbox(env).watermark()) < through) {
    throw new OutboxBehindError(`the outbox has not counted history up to ${through} yet`);
  }
}
