import { readConfig } from "../../platform/config";
import type { Db } from "../../platform/db/client";
import { runRef } from "../../platform/db/schema";
import type { Logger } from "../../platform/log";
import { backoffSeconds } from "../../queues/backoff";
import type { RunCancelJob, RunJob, RunRequeueJob, RunStartJob } from "../../queues/contracts";
import { afterTransitions } from "../messages/after-transitions";
import { LIMIT_RECHECK_MS } from "../messaging-limit/check";
import { runLedger } from "../run-ledger";
import { SWEEP_PAGE } from "../run-ledger/sweep";
import { campaignStats } from "../stats/record";
import { CANCELLED_REASON, skipCancelled } from "./cancelled";
import { fanoutPage } from "./fanout";
import { feedRun } from "./feed";
import { enqueueRunJob } from "./jobs";
import { limitGate } from "./limit-gate";
import { getRun, moveRun, runCampaign } from "./store";
import { templateGate } from "./template-gate";
import { continueHeldRun } from "./wake";

interface Deps {
  env: Env;
  db: Db;
  log: Logger;
}

// Queued messages a cancel skips per job.
export const CONTROL_PAGE_SIZE = 500;

/**
 * A due scheduled run, or a waiting run whose template may have been reviewed: the template
 * decides whether it fans out now, keeps waiting, or fails; then the messaging limit's window
 * (./limit-gate.ts), which may keep it scheduled 15 minutes more or fail it, as its policy says.
 */
async function start(job: RunStartJob, { env, db, log }: Deps) {
  const run = await getRun(db, job.projectId, job.runId);
  if (!run || (run.status !== "scheduled" && run.status !== "waiting_template")) return;
  const campaign = await runCampaign(db, run.projectId, run.campaignId);
  const now = Date.now();
  if (!campaign) {
    await moveRun(db, run.id, [run.status], "failed", {
      statusReason: "the campaign no longer exists",
      finishedAt: now,
    });
    return;
  }
  // Started, then held by its template (paused or disabled at WhatsApp): continue, not start over.
  if (run.status === "waiting_template" && run.startedAt !== null) {
    await continueHeldRun(env, db, run, campaign);
    return;
  }
  const gate = templateGate(campaign);
  if (gate.status === "waiting_template") {
    if (run.status !== "waiting_template" || run.statusReason !== gate.reason)
      await moveRun(db, run.id, [run.status], "waiting_template", { statusReason: gate.reason });
    return;
  }
  if (gate.status === "failed") {
    await moveRun(db, run.id, [run.status], "failed", { statusReason: gate.reason, finishedAt: now });
    return;
  }
  const limit = await limitGate(
    { env, db, log },
    { ...run, audiences: run.audiences as string[] },
    run.limitPolicy,
    now,
  );
  if (!limit.decision.go) {
    const { reason } = limit.decision;
    if (!limit.decision.wait) {
      await moveRun(db, run.id, [run.status], "failed", { statusReason: reason, finishedAt: now });
      return;
    }
    const at = now + LIMIT_RECHECK_MS;
    const waiting = await moveRun(db, run.id, [run.status], "scheduled", { statusReason: reason, timeToRun: at });
    if (waiting) await campaignStats(env, run.campaignId).scheduleRun(run.id, run.projectId, at);
    return;
  }
  const moved = await moveRun(db, run.id, [run.status], "fanning_out", { statusReason: null, startedAt: now });
  if (moved) await enqueueRunJob(env, { kind: "run-fanout", runId: run.id, projectId: run.projectId });
}

/**
 * A resumed run goes back to its number's governor, which releases its queued messages from the
 * first one again (messages held while it was paused were acknowledged unsent; a message still
 * on the queue is then released twice, and its claim keeps it to one send). Bodies written
 * before the feeder still carry `after`; it is not needed now.
 */
async function requeue(job: RunRequeueJob, { env, db }: Deps) {
  const run = await getRun(db, job.projectId, job.runId);
  if (!run || (run.status !== "sending" && run.status !== "fanning_out")) return;
  // Claims released while it was paused were acknowledged unused: its object releases them again.
  if (run.ledger === "object") await runLedger(env, runRef(run)).resetPermits();
  await feedRun(env, db, run, { restart: true });
}

/** Skips a cancelled run's queued messages, a page per job, until none is left. */
async function cancel(job: RunCancelJob, { env, db, log }: Deps) {
  const run = await getRun(db, job.projectId, job.runId);
  if (run?.status !== "cancelled") return;
  if (run.ledger === "object") {
    // Its object skips them, logging the moves for the statistics and the callbacks.
    const skipped = await runLedger(env, runRef(run)).cancel(CANCELLED_REASON);
    if (skipped === SWEEP_PAGE) await enqueueRunJob(env, job);
    return;
  }
  const transitions = await skipCancelled(db, { runId: run.id, limit: CONTROL_PAGE_SIZE });
  await afterTransitions(env, transitions, log);
  if (transitions.length === CONTROL_PAGE_SIZE) await enqueueRunJob(env, job);
}

const RUN_HANDLERS = {
  "run-start": start,
  "run-fanout": (job, { env, db, log }) => fanoutPage(env, db, log, job, readConfig(env).FANOUT_PAGE_SIZE),
  "run-requeue": requeue,
  "run-cancel": cancel,
} satisfies { [K in RunJob["kind"]]: (job: Extract<RunJob, { kind: K }>, deps: Deps) => Promise<void> };

/** The jobs-queue handler for every run job kind: acks when done, retries with backoff on failure. */
export async function handleRunJob(message: Message<RunJob>, deps: Deps) {
  const job = message.body;
  try {
    await (RUN_HANDLERS[job.kind] as (job: RunJob, deps: Deps) => Promise<void>)(job, deps);
    message.ack();
  } catch (err) {
    deps.log.error("run job failed; will retry", { kind: job.kind, runId: job.runId, err });
    message.retry({ delaySeconds: backoffSeconds(message.attempts) });
  }
}
