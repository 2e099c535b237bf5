import { and, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { runRefSql, runs, runUnsettled } from "../../platform/db/schema";

/**
 * Marks runs completed that have fanned out (`sending`) and have no message left queued or
 * sending. One statement for any number of runs: the NOT EXISTS reads the run's first entry in
 * messages_run_open, which holds only queued and sending messages, so one entry decides whatever
 * the run's size, cheap enough to run with every sends slice's outcomes and from the sweep. The
 * run's CampaignStats counters could say the same without D1, but they are recorded after D1 and
 * outside its transaction (a failed RPC is logged, not retried), so D1, which holds the messages
 * themselves, decides.
 */
export async function completeRuns(db: Db, runIds: string[], now = Date.now()): Promise<string[]> {
  if (runIds.length === 0) return [];
  const rows = await completeRunsStatement(db, runIds, now);
  return rows.map((r) => r.id);
}

/** completeRuns' statement, for a caller that runs it in a batch of its own (one round trip less). */
export function completeRunsStatement(db: Db, runIds: string[], now = Date.now()) {
  return db
    .update(runs)
    .set({ status: "completed", finishedAt: now, updatedAt: now })
    .where(
      and(
        sql`${runs.id} IN (SELECT value FROM json_each(${JSON.stringify([...new Set(runIds)])}))`,
        eq(runs.status, "sending"),
        // A run whose messages are in its own object has none here: its object decides
        // (./ledger-complete.ts).
        isNull(runs.ledger),
        sql`NOT EXISTS (SELECT 1 FROM messages m WHERE m.run_id = ${sql.raw(runRefSql())} AND m.status IN ('queued', 'sending') AND ${runUnsettled("m")})`,
      ),
    )
    .returning({ id: runs.id });
}
