import { sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { stampSwept } from "../../platform/db/runs-swept";
import { closeApiDays } from "./close";
import { requeueApiDays } from "./requeue";

/** Days of live API campaigns one pass asks for messages left given back. */
const LIMIT = 100;

/**
 * The every-minute pass over API days (what is stuck sending there the ledger sweep fails, as in a
 * run's object): days that ended more than a day ago are closed, and what a live campaign's open
 * days hold given back since before `queuedBefore` (a hold lifted without a requeue, a parked send
 * whose job was lost) goes back on the sends queue, as the D1 sweep does for queued API messages.
 */
export async function sweepApiDays(
  env: Pick<Env, "SENDS" | "RUN_LEDGER">,
  db: Db,
  { now, queuedBefore }: { now: number; queuedBefore: number },
): Promise<{ closed: number; requeued: number }> {
  const closed = await closeApiDays(db, now);
  const open = await db.all<{ id: string; project_id: string; campaign_id: string }>(sql`
    SELECT r.id, r.project_id, r.campaign_id FROM runs r JOIN campaigns c ON c.id = r.campaign_id
    WHERE r.api_day IS NOT NULL AND r.status IN ('fanning_out', 'sending') AND c.status = 'live'
    ORDER BY r.swept_at LIMIT ${LIMIT}`);
  // Those asked longest ago first; a full pass goes to the back, so every day gets its turn.
  if (open.length === LIMIT) {
    await stampSwept(
      db,
      open.map((r) => r.id),
      now,
    );
  }
  let requeued = 0;
  for (const campaign of new Map(open.map((r) => [r.campaign_id, r])).values()) {
    requeued += await requeueApiDays(env, db, campaign.project_id, campaign.campaign_id, queuedBefore);
  }
  return { closed, requeued };
}
