import { sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import type { Transition } from "../../platform/db/schema";
import { messageEvents } from "../../platform/db/schema";

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
  const rows = await db.all<{ id: string; project_id: string; campaign_id: string | null; run_id: string | null }>(
    sql`UPDATE messages SET status = 'skipped', skip_reason = ${CANCELLED_REASON}, updated_at = ${now}
        WHERE id IN (${chosen}) AND status = 'queued' AND run_id IS NOT NULL
        RETURNING id, project_id, campaign_id, run_id`,
  );
  if (rows.length === 0) return [];
  await db
    .insert(messageEvents)
    .select(
      sql`SELECT NULL, value, 'skipped', ${now}, NULL, ${CANCELLED_REASON} FROM json_each(${JSON.stringify(rows.map((r) => r.id))}) WHERE true`,
    );
  return rows.map((r) => ({
    messageId: r.id,
    projectId: r.project_id,
    campaignId: r.campaign_id,
    runId: r.run_id,
    from: "queued",
    to: "skipped",
  }));
}
