import { and, eq, gt, inArray, isNull, lt, or, sql } from "drizzle-orm";
import { createDb, type Db } from "../../platform/db/client";
import { inJsonList } from "../../platform/db/json-list";
import type { Transition } from "../../platform/db/schema";
import { campaignRefSql, campaigns, inFlight, messages, runRefSql, runs, runUnsettled } from "../../platform/db/schema";
import { createLogger, logLevel } from "../../platform/log";
import { sendStoredMessages } from "../../queues/producers";
import { sweepApiDays } from "../api-days/sweep";
import { afterTransitions } from "../messages/after-transitions";
import { applyStatus } from "../messages/status";
import { liftExpiredHolds } from "../number-state/hold";
import { drainOutbox } from "../outbox";
import { sweepLedgerRuns } from "../run-ledger/sweep-runs";
import { feedRun } from "../runs/feed";
import { enqueueRunJob } from "../runs/jobs";
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

// A run that ended (cancelled, or failed mid-way) may still have a message mid-send, or queued
// ones its cancel jobs have not skipped yet: the sweep keeps looking at it for this long after.
export const ENDED_RUN_WATCH_MS = 24 * 60 * 60_000;

/** Runs whose messages may still be on their way: under way, or ended within ENDED_RUN_WATCH_MS. */
const watchedRun = (now: number) =>
  or(
    inArray(runs.status, ["waiting_template", "fanning_out", "sending", "paused"]),
    and(inArray(runs.status, ["cancelled", "failed"]), gt(runs.finishedAt, now - ENDED_RUN_WATCH_MS)),
  );

// A run's messages go out in id order (its governor releases them so), so the ones still sending
// long after their claim are the oldest of its unsettled messages: the sweep looks among the first
// this many of each watched run's, a bounded read however big the run. Only older messages still
// queued (put back by an account pause or a number's hold, more than this many) can hide one,
// and only until they are sent.
const SENDING_FRONT = 1000;

/**
 * Messages still `sending` long after their claim: those without a run through the in-flight
 * index, a run's through its watched runs and the front of the run's open-messages index
 * (runs_status_time, then messages_run_open), so neither reads a message that is not in flight.
 * Two reads, one batch.
 */
export const stuckSending = (db: Db, now: number) =>
  [
    db
      .select({ id: messages.id, projectId: messages.projectId })
      .from(messages)
      .where(and(eq(messages.status, "sending"), inFlight(), lt(messages.updatedAt, now - STUCK_SENDING_MS)))
      .limit(SWEEP_LIMIT),
    db
      .select({ id: messages.id, projectId: messages.projectId })
      .from(runs)
      .innerJoin(
        messages,
        and(
          sql`${messages.id} IN (SELECT o.id FROM messages o WHERE o.run_id = ${sql.raw(runRefSql())} AND ${runUnsettled("o")}
              ORDER BY o.id LIMIT ${SENDING_FRONT})`,
          eq(messages.status, "sending"),
        ),
      )
      .where(and(watchedRun(now), lt(messages.updatedAt, now - STUCK_SENDING_MS)))
      .limit(SWEEP_LIMIT),
  ] as const;

/** Messages without a run queued long ago whose campaign is live (or that have none), through the in-flight index. */
export const stuckQueued = (db: Db, now: number) =>
  db
    .select({
      id: messages.id,
      projectId: messages.projectId,
      // The public id: the row holds its campaign's short ref (src/platform/db/schema/campaigns.ts).
      // Aliased: a batch answers rows keyed by column name, where `id` would collide.
      campaignId: sql<string | null>`coalesce(${campaigns.id}, ${messages.campaignId})`.as("campaign_public_id"),
      runId: messages.runId,
    })
    .from(messages)
    .leftJoin(campaigns, sql.raw(`${campaignRefSql()} = +messages.campaign_id`))
    .where(
      and(
        eq(messages.status, "queued"),
        inFlight(),
        lt(messages.updatedAt, now - STUCK_QUEUED_MS),
        or(isNull(messages.campaignId), eq(campaigns.status, "live")),
      ),
    )
    .limit(SWEEP_LIMIT);

/**
 * Runs whose first queued message (in id order: the oldest a governor has not sent) has been still
 * for STUCK_QUEUED_MS: a sending or fanning-out run nobody feeds, or a cancelled run whose cancel
 * jobs stopped. Per watched run, its open-messages index read from the start up to the first
 * queued message: past the few still sending ahead of it, whatever the run's size.
 */
export const stuckRuns = (db: Db, now: number) =>
  db
    .select({ id: runs.id, projectId: runs.projectId, campaignId: runs.campaignId, status: runs.status })
    .from(runs)
    .where(
      and(
        or(
          inArray(runs.status, ["fanning_out", "sending"]),
          and(eq(runs.status, "cancelled"), gt(runs.finishedAt, now - ENDED_RUN_WATCH_MS)),
        ),
        sql`(SELECT m.updated_at FROM messages m WHERE m.run_id = ${sql.raw(runRefSql())} AND m.status = 'queued' AND ${runUnsettled("m")}
             ORDER BY m.id LIMIT 1) < ${now - STUCK_QUEUED_MS}`,
      ),
    )
    .limit(SWEEP_LIMIT);

export async function sweepStuckMessages(env: Env, now = Date.now()) {
  const db = createDb(env.DB);
  const log = createLogger({ task: "sweep" }, logLevel(env));

  const [sendingApi, sendingRuns, queued, stalled] = await db.batch([
    ...stuckSending(db, now),
    stuckQueued(db, now),
    stuckRuns(db, now),
  ]);
  const sending = [...sendingApi, ...sendingRuns];
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

  // A sending run's queued messages are its governor's to release, at the number's pace: the run
  // is handed to it again (a no-op while it is being fed), never poured into the queue. A
  // cancelled run's get its cancel job again, which skips them a page at a time.
  let fedRuns = 0;
  let cancelledRuns = 0;
  for (const run of stalled) {
    try {
      if (run.status === "cancelled") {
        await enqueueRunJob(env, { kind: "run-cancel", runId: run.id, projectId: run.projectId });
        cancelledRuns++;
      } else {
        await feedRun(env, db, run);
        fedRuns++;
      }
    } catch (err) {
      log.error("cannot hand a stalled run on", { runId: run.id, err });
    }
  }
  if (queued.length > 0) {
    await db
      .update(messages)
      .set({ updatedAt: now })
      // Up to SWEEP_LIMIT ids as ONE JSON parameter: D1 binds at most 100 per statement.
      .where(
        inJsonList(
          messages.id,
          queued.map((m) => m.id),
        ),
      );
    await sendStoredMessages(env, queued);
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
    const ledgers = await sweepLedgerRuns(env, db, log, {
      now,
      stuckBefore: now - STUCK_SENDING_MS,
      watchMs: ENDED_RUN_WATCH_MS,
    });
    if (ledgers.failed + ledgers.completed > 0) log.warn("swept runs' own ledgers", { ...ledgers });
  } catch (err) {
    log.error("run ledger sweep failed", { err });
  }
  try {
    const days = await sweepApiDays(env, db, { now, queuedBefore: now - STUCK_QUEUED_MS });
    if (days.closed + days.requeued > 0) log.info("swept API days", { ...days });
  } catch (err) {
    log.error("API day sweep failed", { err });
  }
  try {
    const swept = await sweepRuns(env, db, now);
    if (swept.started + swept.restarted + swept.completed + swept.marketingRetries > 0)
      log.info("swept runs", { ...swept });
  } catch (err) {
    log.error("run sweep failed", { err });
  }
  if (sending.length + queued.length + stalled.length > 0)
    log.warn("swept stuck messages", { failed: sending.length, requeued: queued.length, fedRuns, cancelledRuns });
  return { failed: sending.length, requeued: queued.length, fedRuns, cancelledRuns };
}
