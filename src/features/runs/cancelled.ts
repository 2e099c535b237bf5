import { and, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { inJsonList } from "../../platform/db/json-list";
import type { Transition } from "../../platform/db/schema";
import { campaignOf, messages, refOfRun, runIdOf, runUnsettled } from "../../platform/db/schema";
import { logStamped, newTx } from "../messages/log";
import { appendTrail, STEP } from "../messages/trail";

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
  const ids =
    "ids" in which
      ? which.ids
      : (
          await db.all<{ id: string }>(
            sql`SELECT id FROM messages WHERE run_id = ${refOfRun(which.runId)} AND status = 'queued' AND ${runUnsettled()} ORDER BY id LIMIT ${which.limit}`,
          )
        ).map((r) => r.id);
  if (ids.length === 0) return [];
  const tx = newTx();
  // ONE batch: the skip and its log row commit together or not at all.
  const [rows] = await db.batch([
    db
      .update(messages)
      .set({ status: "skipped", skipReason: CANCELLED_REASON, updatedAt: now, trail: appendTrail(STEP.skipped), tx })
      .where(and(inJsonList(messages.id, ids), sql`${messages.status} = 'queued' AND ${messages.runId} IS NOT NULL`))
      .returning({
        id: messages.id,
        project_id: messages.projectId,
        campaign_id: campaignOf(),
        run_id: runIdOf(),
      }),
    logStamped(db, tx, ids, "queued", "skipped"),
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
