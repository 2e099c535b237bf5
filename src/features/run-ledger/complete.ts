import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { runRef, runs } from "../../platform/db/schema";
import { runLedger } from "./index";

/**
 * Marks runs completed whose messages are in their own objects (src/features/run-ledger), have
 * fanned out (`sending`), and whose object has nothing queued or sending left: the object's
 * counters move in the transaction that moves its messages, so they decide. Returns the ids of the
 * runs completed.
 */
export async function completeLedgerRuns(
  env: Pick<Env, "RUN_LEDGER">,
  db: Db,
  candidates: Pick<typeof runs.$inferSelect, "id" | "ref">[],
  now = Date.now(),
): Promise<string[]> {
  const unique = [...new Map(candidates.map((r) => [r.id, r])).values()];
  const settled = await Promise.all(
    unique.map(async (run) => ((await runLedger(env, runRef(run)).unsettled()) === 0 ? [run.id] : [])),
  );
  const ids = settled.flat();
  if (ids.length === 0) return [];
  const done = await db
    .update(runs)
    .set({ status: "completed", finishedAt: now, updatedAt: now })
    .where(
      and(
        sql`${runs.id} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`,
        eq(runs.status, "sending"),
        eq(runs.ledger, "object"),
      ),
    )
    .returning({ id: runs.id });
  return done.map((r) => r.id);
}
