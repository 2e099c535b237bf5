import { sql } from "drizzle-orm";
import type { Db } from "../db/client";

/**
 * Marks runs completed that have fanned out (`sending`) and have no message left queued or
 * sending. One statement for any number of runs: the NOT EXISTS probes the (run_id, status, id)
 * index twice per run (queued, sending), whatever the run's size, so it is cheap enough to run
 * after every sends batch and from the sweep. The run's CampaignStats counters could say the same
 * without D1, but they are recorded after D1 and outside its transaction (a failed RPC is logged,
 * not retried), so D1, which holds the messages themselves, decides.
 */
export async function completeRuns(db: Db, runIds: string[], now = Date.now()): Promise<string[]> {
  if (runIds.length === 0) return [];
  const rows = await db.all<{ id: string }>(
    sql`UPDATE runs SET status = 'completed', finished_at = ${now}, updated_at = ${now}
        WHERE id IN (SELECT value FROM json_each(${JSON.stringify([...new Set(runIds)])}))
          AND status = 'sending'
          AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.run_id = runs.id AND m.status IN ('queued', 'sending'))
        RETURNING id`,
  );
  return rows.map((r) => r.id);
}
