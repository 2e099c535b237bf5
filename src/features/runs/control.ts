import { and, eq } from "drizzle-orm";
import { forgetProjectCampaigns } from "../../platform/campaign-cache";
import type { Db } from "../../platform/db/client";
import { campaigns } from "../../platform/db/schema";
import { ApiError, notFound } from "../../platform/errors";
import { campaignStats } from "../stats/record";
import { enqueueRunJob } from "./jobs";
import { hasRetryCandidates } from "./retry";
import type { RunRow, RunStatus } from "./schemas";
import { startRun } from "./start";
import { getRun, moveRun } from "./store";

interface Deps {
  env: Env;
  db: Db;
}

const conflict = (run: RunRow, action: string, allowed: string) =>
  new ApiError("conflict", `run ${run.id} is ${run.status}; only ${allowed} run can be ${action}`);

async function requireRun(db: Db, projectId: string, runId: string) {
  const run = await getRun(db, projectId, runId);
  if (!run) throw notFound("run");
  return run;
}

/**
 * Moves the run, or answers 409 when it is not (or no longer: a concurrent change) in a state the
 * action applies to.
 */
async function move(
  db: Db,
  run: RunRow,
  from: readonly RunStatus[],
  to: RunStatus,
  action: string,
  allowed: string,
  set: Parameters<typeof moveRun>[4] = {},
) {
  if (!from.includes(run.status)) throw conflict(run, action, allowed);
  const moved = await moveRun(db, run.id, [run.status], to, set);
  if (!moved) throw conflict((await getRun(db, run.projectId, run.id)) ?? run, action, allowed);
  return moved;
}

/** Stops sending: fan-out stops at its page, and queued messages stay queued until resumed. */
export async function pauseRun({ db }: Deps, projectId: string, runId: string) {
  const run = await requireRun(db, projectId, runId);
  return move(db, run, ["fanning_out", "sending"], "paused", "paused", "a fanning-out or sending", {
    statusReason: "paused by request",
  });
}

/**
 * Continues a paused run where it stopped: the fan-out from its cursor if it had not finished, and
 * the queued messages back onto the sends queue, a page per job. A campaign an account-level error
 * paused is set live again with it: resuming says the account was fixed.
 */
export async function resumeRun({ env, db }: Deps, projectId: string, runId: string) {
  const run = await requireRun(db, projectId, runId);
  const to = run.fannedOutAt === null ? "fanning_out" : "sending";
  const moved = await move(db, run, ["paused"], to, "resumed", "a paused", { statusReason: null });
  const unpaused = await db
    .update(campaigns)
    .set({ status: "live", pausedReason: null, updatedAt: Date.now() })
    .where(and(eq(campaigns.id, run.campaignId), eq(campaigns.projectId, projectId), eq(campaigns.status, "paused")))
    .returning({ id: campaigns.id });
  if (unpaused.length > 0) forgetProjectCampaigns(projectId);
  if (to === "fanning_out") await enqueueRunJob(env, { kind: "run-fanout", runId, projectId });
  await enqueueRunJob(env, { kind: "run-requeue", runId, projectId, after: "" });
  return moved;
}

/**
 * Cancels a run. A scheduled run leaves its campaign's schedule; a run already under way stops
 * fanning out, and its queued messages become skipped (reason `cancelled`) a page per job.
 * Messages already handed to WhatsApp are not recalled.
 */
export async function cancelRun({ env, db }: Deps, projectId: string, runId: string) {
  const run = await requireRun(db, projectId, runId);
  const active: RunStatus[] = ["scheduled", "waiting_template", "fanning_out", "sending", "paused"];
  const moved = await move(
    db,
    run,
    active,
    "cancelled",
    "cancelled",
    "a scheduled, waiting, fanning-out, sending or paused",
    {
      statusReason: "cancelled by request",
      finishedAt: Date.now(),
    },
  );
  if (run.status === "scheduled") await campaignStats(env, run.campaignId).unscheduleRun(run.id);
  else if (run.status !== "waiting_template") await enqueueRunJob(env, { kind: "run-cancel", runId, projectId });
  return moved;
}

/**
 * A new run re-sending the run's failures that were retryable (they used up their attempts);
 * never a number that succeeded, or is still being sent, in this run or any retry of its chain.
 */
export async function retryRun(deps: Deps, projectId: string, runId: string) {
  const run = await requireRun(deps.db, projectId, runId);
  if (!["sending", "paused", "completed", "cancelled"].includes(run.status)) {
    throw new ApiError("conflict", `run ${run.id} is ${run.status}; it has sent nothing to retry yet`);
  }
  if (!(await hasRetryCandidates(deps.env, deps.db, run))) {
    throw new ApiError("conflict", `run ${run.id} has no failed recipient whose failure was retryable`);
  }
  return startRun(deps, {
    projectId,
    campaignId: run.campaignId,
    audiences: (run.audiences as string[]) ?? [],
    retryOf: run.id,
  });
}
