import { sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { dayOf } from "./open";

/**
 * Closes the API days that ended more than a day ago: `sending`, fanned out, so the ledger sweep
 * completes each once nothing of it is queued or sending. A day stays open for the day after it,
 * the time an Idempotency-Key may still bring a send drawn from it; one recorded later is still
 * recorded and sent, its day's row only says `completed` meanwhile.
 */
export async function closeApiDays(db: Db, now = Date.now()): Promise<number> {
  const closed = await db.all<{ id: string }>(sql`
    UPDATE runs SET status = 'sending', fanned_out_at = ${now}, updated_at = ${now}
    WHERE status = 'fanning_out' AND api_day IS NOT NULL AND api_day < ${dayOf(now) - 1}
    RETURNING id`);
  return closed.length;
}
