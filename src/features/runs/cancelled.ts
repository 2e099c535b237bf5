import { sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import type { Transition } from "../../platform/db/schema";
import { messageEvents, messages } from "../../platform/db/schema";

export const CANCELLED_REASON = "cancelled";

/**
 * Moves queued messages of cancelled runs to skipped (reason `cancelled`), compare-and-set on
 * `queued` so a message already claimed by a sender is left to finish. `which` selects them: the
 * given ids, or the next page of a run's queued messages. Returns the real transitions, for the
 * counters and callbacks.
 */
export async function skipCancelled(
  db: Db,
  which: { ids: string[] } | { runId: string; limit: number },
  now = Date.now(),
): Promise<Transition[]> {
  const chosen =
    "ids" in which
      ? sql`SELECT value FROM json_each(${JSON.stringify(which.ids)})`
      : sql`SELECT id FROM messages WHERE run_id = ${which.runId} AND status = 'queued' ORDER BY id LIMIT ${which.limit}`;
  // The rows this batch skipped, seen by the history insert after it: skipped as cancelled at this
  // batch's `now`, with no `skipped` history row yet (so a cancel repeated in the same millisecond
  // never writes a second one).
  const justSkipped =
    "ids" in which
      ? sql`m.id IN (SELECT value FROM json_each(${JSON.stringify(which.ids)}))`
      : sql`m.run_id = ${which.runId}`;
  // ONE batch: the skip and its history rows commit together or not at all.
  const [rows] = await db.batch([
    db
      .update(messages)
      .set({ status: "skipped", skipReason: CANCELLED_REASON, updatedAt: now })
      .where(sql`${messages.id} IN (${chosen}) AND ${messages.status} = 'queued' AND ${messages.runId} IS NOT NULL`)
      .returning({
        id: messages.id,
        project_id: messages.projectId,
        campaign_id: messages.campaignId,
        run_id: messages.runId,
      }),
    db.insert(messageEvents).select(
      sql`SELECT NULL, m.id, 'skipped', ${now}, NULL, ${CANCELLED_REASON} FROM messages m
            WHERE ${justSkipped} AND m.status = 'skipped' AND m.skip_reason = ${CANCELLED_REASON} AND m.updated_at = ${now}
            AND NOT EXISTS (SELECT 1 FROM message_events e WHERE e.message_id = m.id AND e.status = 'skipped')`,
    ),
  ]);
  return rows.map((r) => ({
    messageId: r.id,
    projectId: r.project_id,
    campaignId: r.campaign_id,
    runId: r.run_id,
    from: "queued",
    to: "skipped",
  }));
}
