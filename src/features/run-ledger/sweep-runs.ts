import { and, asc, eq, gt, inArray, or } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { stampSwept } from "../../platform/db/runs-swept";
import { runRef, runs } from "../../platform/db/schema";
import type { Logger } from "../../platform/log";
import { completeLedgerRuns } from "./complete";
import { runLedger } from "./index";

/** Runs of the sweep's every-minute pass at most. */
const LIMIT = 100;

/**
 * The every-minute safety net for runs whose messages are in their own objects: in each one still
 * under way (or ended within `watchMs`), what has been sending since before `stuckBefore` is failed
 * as an unknown outcome (./sweep.ts), and a run sending with nothing left unsettled is completed.
 * A run whose claims were lost is fed again by the D1 sweep's stalled-run step, which looks at
 * its row alike. Returns how many messages it failed.
 */
export async function sweepLedgerRuns(
  env: Pick<Env, "RUN_LEDGER">,
  db: Db,
  log: Logger,
  { now, stuckBefore, watchMs }: { now: number; stuckBefore: number; watchMs: number },
): Promise<{ failed: number; completed: number }> {
  const open = await db
    .select({ id: runs.id, ref: runs.ref, status: runs.status })
    .from(runs)
    .where(
      and(
        eq(runs.ledger, "object"),
        or(
          inArray(runs.status, ["fanning_out", "sending", "paused"]),
          and(inArray(runs.status, ["cancelled", "failed"]), gt(runs.finishedAt, now - watchMs)),
        ),
      ),
    )
    // Those looked at longest ago first; a full pass goes to the back (as the D1 sweep's steps do),
    // so with more than LIMIT open runs every one is swept within a few minutes.
    .orderBy(asc(runs.sweptAt))
    .limit(LIMIT);
  if (open.length === LIMIT)
    await stampSwept(
      db,
      open.map((r) => r.id),
      now,
    );
  let failed = 0;
  for (const run of open) {
    try {
      failed += await runLedger(env, runRef(run)).sweep(stuckBefore, now);
    } catch (err) {
      log.error("cannot sweep a run's object", { runId: run.id, err });
    }
  }
  const completed = await completeLedgerRuns(
    env,
    db,
    open.filter((r) => r.status === "sending"),
    now,
  );
  return { failed, completed: completed.length };
}
