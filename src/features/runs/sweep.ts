import { and, asc, eq, lt, notInArray, or, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { stampSwept } from "../../platform/db/runs-swept";
import { campaigns, isBroadcastRun, runs, templates } from "../../platform/db/schema";
import type { RunJob } from "../../queues/contracts";
import { sendJobs } from "../../queues/producers";
import { completeRunsStatement } from "./complete";
import { startMarketingRetries } from "./marketing-retry";

// A scheduled run whose alarm should have fired this long ago is started by the sweep instead.
export const OVERDUE_SCHEDULE_MS = 2 * 60_000;
// A fan-out page takes seconds; a fanning-out run that has not moved for this long lost its job.
export const STALLED_FANOUT_MS = 5 * 60_000;
const LIMIT = 100;

/** The four steps' reads, each one index range taken oldest-swept first; one round trip as a batch. */
export function sweepQueries(db: Db, now: number) {
  return [
    db
      .select({ id: runs.id, projectId: runs.projectId })
      .from(runs)
      // runs_status_time reads the overdue runs alone (not the ones scheduled later), sorted after.
      .where(and(eq(runs.status, "scheduled"), lt(runs.timeToRun, now - OVERDUE_SCHEDULE_MS)))
      .orderBy(asc(runs.sweptAt))
      .limit(LIMIT),
    db
      .select({ id: runs.id, projectId: runs.projectId })
      .from(runs)
      .innerJoin(campaigns, eq(campaigns.id, runs.campaignId))
      .leftJoin(templates, eq(templates.id, campaigns.templateId))
      .where(
        and(
          eq(runs.status, "waiting_template"),
          or(
            notInArray(templates.status, ["PENDING", "PAUSED"]),
            sql`${templates.status} IS NULL AND ${campaigns.templateId} IS NOT NULL`,
          ),
          // A run held mid-way by its template only moves again once it is approved (features/runs/wake.ts).
          sql`(${runs.startedAt} IS NULL OR ${templates.status} = 'APPROVED')`,
        ),
      )
      .orderBy(asc(runs.sweptAt))
      .limit(LIMIT),
    db
      .select({ id: runs.id, projectId: runs.projectId })
      .from(runs)
      // An API day is `fanning_out` all day and has no fan-out to move (src/features/api-days).
      .where(and(eq(runs.status, "fanning_out"), lt(runs.updatedAt, now - STALLED_FANOUT_MS), isBroadcastRun()))
      .orderBy(asc(runs.sweptAt))
      .limit(LIMIT),
    db.select({ id: runs.id }).from(runs).where(eq(runs.status, "sending")).orderBy(asc(runs.sweptAt)).limit(LIMIT),
  ] as const;
}

/**
 * The every-minute safety net for runs. Each step is idempotent (jobs re-read the run; the
 * fan-out cursor is compare-and-set), so it may repeat what an alarm, a webhook or a job already did:
 * - scheduled runs overdue (an alarm that could not be set or did not fire) → run-start;
 * - runs waiting for a template that is no longer PENDING (an approval the webhook hook missed,
 *   or a template approved by a sync or by the sandbox) → run-start;
 * - fan-outs that stopped moving → their next page again;
 * - runs sending with nothing queued or sending left → completed;
 * - completed runs that opted into a marketing-limit retry, a day on → that retry (./marketing-retry.ts).
 * Each step takes at most LIMIT runs, those it looked at longest ago first (`swept_at`, stamped on
 * the runs of a step that hit LIMIT): runs it could not move (a big run still sending, a job still queued) go to
 * the back, so with more than LIMIT of them every one is looked at within a few minutes, instead
 * of the same LIMIT every minute.
 */
export async function sweepRuns(env: Env, db: Db, now = Date.now()) {
  const [overdue, reviewed, stalled, sending] = await db.batch(sweepQueries(db, now));

  const jobs: RunJob[] = [
    ...[...overdue, ...reviewed].map((r) => ({ kind: "run-start" as const, runId: r.id, projectId: r.projectId })),
    ...stalled.map((r) => ({ kind: "run-fanout" as const, runId: r.id, projectId: r.projectId })),
  ];
  await sendJobs(env, jobs);
  // Stamped once their jobs are on the queue (a failed send leaves them first in line), and only
  // for a step that hit LIMIT: one that took fewer took every run it had, so nobody waits and
  // nothing needs writing. Up to 4 × LIMIT ids as ONE JSON parameter: D1 binds at most 100.
  const taken = [overdue, reviewed, stalled, sending]
    .filter((step) => step.length === LIMIT)
    .flatMap((step) => step.map((r) => r.id));
  const [completed] = await db.batch([
    completeRunsStatement(
      db,
      sending.map((r) => r.id),
      now,
    ),
    stampSwept(db, taken, now),
  ]);
  const marketingRetries = await startMarketingRetries(env, db, now);
  return {
    started: overdue.length + reviewed.length,
    restarted: stalled.length,
    completed: completed.length,
    marketingRetries,
  };
}
