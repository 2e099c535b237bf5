import { and, eq, lt, notInArray, or, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { campaigns, runs, templates } from "../../platform/db/schema";
import type { RunJob } from "../../queues/contracts";
import { sendJobs } from "../../queues/producers";
import { completeRuns } from "./complete";

// A scheduled run whose alarm should have fired this long ago is started by the sweep instead.
export const OVERDUE_SCHEDULE_MS = 2 * 60_000;
// A fan-out page takes seconds; a fanning-out run that has not moved for this long lost its job.
export const STALLED_FANOUT_MS = 5 * 60_000;
const LIMIT = 100;

/**
 * The every-minute safety net for runs. Each step is idempotent (jobs re-read the run; the
 * fan-out cursor is compare-and-set), so it may repeat what an alarm, a webhook or a job already did:
 * - scheduled runs overdue (an alarm that could not be set or did not fire) → run-start;
 * - runs waiting for a template that is no longer PENDING (an approval the webhook hook missed,
 *   or a template approved by a sync or by the sandbox) → run-start;
 * - fan-outs that stopped moving → their next page again;
 * - runs sending with nothing queued or sending left → completed.
 */
export async function sweepRuns(env: Env, db: Db, now = Date.now()) {
  const overdue = await db
    .select({ id: runs.id, projectId: runs.projectId })
    .from(runs)
    .where(and(eq(runs.status, "scheduled"), lt(runs.timeToRun, now - OVERDUE_SCHEDULE_MS)))
    .limit(LIMIT)
    .all();
  const reviewed = await db
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
      ),
    )
    .limit(LIMIT)
    .all();
  const stalled = await db
    .select({ id: runs.id, projectId: runs.projectId })
    .from(runs)
    .where(and(eq(runs.status, "fanning_out"), lt(runs.updatedAt, now - STALLED_FANOUT_MS)))
    .limit(LIMIT)
    .all();
  const sending = await db.select({ id: runs.id }).from(runs).where(eq(runs.status, "sending")).limit(LIMIT).all();

  const jobs: RunJob[] = [
    ...[...overdue, ...reviewed].map((r) => ({ kind: "run-start" as const, runId: r.id, projectId: r.projectId })),
    ...stalled.map((r) => ({ kind: "run-fanout" as const, runId: r.id, projectId: r.projectId })),
  ];
  await sendJobs(env, jobs);
  const completed = await completeRuns(
    db,
    sending.map((r) => r.id),
    now,
  );
  return { started: overdue.length + reviewed.length, restarted: stalled.length, completed: completed.length };
}
