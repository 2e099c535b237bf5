import { and, eq, inArray, isNull, lt, or } from "drizzle-orm";
import { createDb, type Db } from "../../platform/db/client";
import { inJsonList } from "../../platform/db/json-list";
import type { Transition } from "../../platform/db/schema";
import { campaigns, inFlight, messages, runs } from "../../platform/db/schema";
import { createLogger, logLevel } from "../../platform/log";
import { sendStoredMessages } from "../../queues/producers";
import { afterTransitions } from "../messages/after-transitions";
import { applyStatus } from "../messages/status";
import { liftExpiredHolds } from "../number-state/hold";
import { drainOutbox } from "../outbox";
import { feedRun } from "../runs/feed";
import { sweepRuns } from "../runs/sweep";

// A send claims its message and calls the provider within seconds, and Meta's `sent` webhook
// follows within seconds more. A message still `sending` after this long lost its consumer
// mid-send, or its send's outcome was unknown (a time-out) and Meta never said. Sending again could
// send twice, so it is failed with that reason and class `unknown`: never re-sent, and still
// moved on if Meta's status for it comes later.
export const STUCK_SENDING_MS = 10 * 60_000;
// A queued message whose queue job vanished (or was acked while its campaign was paused and then
// resumed without a requeue) is put back on the queue, or its run handed to its governor again;
// the send claim makes a duplicate harmless.
export const STUCK_QUEUED_MS = 15 * 60_000;
const SWEEP_LIMIT = 500;

/** Messages still `sending` long after their claim, read through the in-flight index. */
export const stuckSending = (db: Db, now: number) =>
  db
    .select({ id: messages.id, projectId: messages.projectId })
    .from(messages)
    .where(and(eq(messages.status, "sending"), inFlight(), lt(messages.updatedAt, now - STUCK_SENDING_MS)))
    .limit(SWEEP_LIMIT);

/**
 * Messages queued long ago, through the in-flight index: only those whose campaign is live (or that
 * have none) go back on the queue, and of a broadcast run only while it sends (a cancelled run's
 * messages are then skipped by the consumer).
 */
export const stuckQueued = (db: Db, now: number) =>
  db
    .select({
      id: messages.id,
      projectId: messages.projectId,
      campaignId: messages.campaignId,
      runId: messages.runId,
      runStatus: runs.status,
    })
    .from(messages)
    .leftJoin(campaigns, eq(campaigns.id, messages.campaignId))
    .leftJoin(runs, eq(runs.id, messages.runId))
    .where(
      and(
        eq(messages.status, "queued"),
        inFlight(),
        lt(messages.updatedAt, now - STUCK_QUEUED_MS),
        or(isNull(messages.campaignId), eq(campaigns.status, "live")),
        or(isNull(messages.runId), inArray(runs.status, ["fanning_out", "sending", "cancelled"])),
      ),
    )
    .limit(SWEEP_LIMIT);

export async function sweepStuckMessages(env: Env, now = Date.now()) {
  const db = createDb(env.DB);
  const log = createLogger({ task: "sweep" }, logLevel(env));

  const sending = await stuckSending(db, now).all();
  const transitions: (Transition | null)[] = [];
  for (const row of sending) {
    transitions.push(
      await applyStatus(
        db,
        { projectId: row.projectId, messageId: row.id },
        {
          status: "failed",
          at: now,
          error: {
            code: null,
            title: "Send outcome unknown",
            message:
              "no word from Meta within 10 minutes of the send; not sent again to avoid a duplicate (a later status from Meta still applies)",
          },
        },
      ),
    );
  }

  const queued = await stuckQueued(db, now).all();
  // A sending run's queued messages are its governor's to release, at the number's pace: the run
  // is handed to it again (a no-op while it is being fed), never poured into the queue.
  const fedRuns = new Map<string, { id: string; projectId: string; campaignId: string }>();
  for (const m of queued) {
    if (m.runId && m.campaignId && m.runStatus !== "cancelled")
      fedRuns.set(m.runId, { id: m.runId, projectId: m.projectId, campaignId: m.campaignId });
  }
  for (const run of fedRuns.values()) {
    try {
      await feedRun(env, db, run);
    } catch (err) {
      log.error("cannot hand a run to its governor", { runId: run.id, err });
    }
  }
  const requeue = queued.filter((m) => !m.runId || m.runStatus === "cancelled");
  if (requeue.length > 0) {
    await db
      .update(messages)
      .set({ updatedAt: now })
      // Up to SWEEP_LIMIT ids as ONE JSON parameter: D1 binds at most 100 per statement.
      .where(
        inJsonList(
          messages.id,
          requeue.map((m) => m.id),
        ),
      );
    await sendStoredMessages(env, requeue);
  }
  await afterTransitions(env, transitions, log);
  // The outbox's backstop: rows whose writer could not ask it to drain (a crash after the commit)
  // are handed over within a minute even if its alarm was lost too.
  try {
    await drainOutbox(env);
  } catch (err) {
    log.error("outbox drain failed", { err });
  }
  try {
    // Restrictions Meta lifts by their expiry, without always saying so: the campaigns they held resume.
    await liftExpiredHolds({ db, log, env }, now);
  } catch (err) {
    log.error("lifting expired account holds failed", { err });
  }
  try {
    const swept = await sweepRuns(env, db, now);
    if (swept.started + swept.restarted + swept.completed + swept.marketingRetries > 0)
      log.info("swept runs", { ...swept });
  } catch (err) {
    log.error("run sweep failed", { err });
  }
  if (sending.length + queued.length > 0)
    log.warn("swept stuck messages", { failed: sending.length, requeued: requeue.length, fedRuns: fedRuns.size });
  return { failed: sending.length, requeued: requeue.length, fedRuns: fedRuns.size };
}
