import { and, eq, gt, inArray, isNotNull, isNull, lte, sql } from "drizzle-orm";
import { forgetProjectCampaigns } from "../../platform/campaign-cache";
import type { Db } from "../../platform/db/client";
import { campaigns, isBroadcastRun, messages, refOfCampaign, runs, whatsappAccounts } from "../../platform/db/schema";
import type { Logger } from "../../platform/log";
import { sendJobs, sendStoredMessages } from "../../queues/producers";
import { requeueApiDays } from "../api-days/requeue";
import { continueJobs } from "../runs/wake";
import { type Hold, holdOf, type StoredAccountState } from "./state";

// A restricted or disabled account holds every campaign of the project, with the reason: live
// campaigns and runs under way are paused with it, so nothing is sent to fail at Meta and their
// messages stay queued (the sends gate holds a paused campaign's or run's messages). The reason is
// also kept on the account row: when the hold lifts (Meta's update, or the restriction's expiry
// seen by the every-minute sweep) exactly the campaigns and runs paused with it are resumed — never
// one a person paused, or resumed and paused again for another reason.

export interface HoldDeps {
  db: Db;
  log: Logger;
  env?: Pick<Env, "JOBS" | "SENDS" | "RUN_LEDGER">;
}

const REQUEUE_PAGE = 500;

async function pauseProject(db: Db, projectId: string, reason: string, previous: string | null) {
  const now = Date.now();
  const carried = previous === null ? [] : [previous];
  const [held, heldRuns] = await db.batch([
    db
      .update(campaigns)
      .set({ status: "paused", pausedReason: reason, updatedAt: now })
      .where(and(eq(campaigns.projectId, projectId), eq(campaigns.status, "live")))
      .returning({ id: campaigns.id }),
    db
      .update(runs)
      .set({ status: "paused", statusReason: reason, updatedAt: now })
      // An API day's row is left as it is: its messages are held by their campaign's pause.
      .where(and(eq(runs.projectId, projectId), inArray(runs.status, ["fanning_out", "sending"]), isBroadcastRun()))
      .returning({ id: runs.id }),
    // Already held for an earlier reason (a restriction extended, then a ban): the new reason.
    db
      .update(campaigns)
      .set({ pausedReason: reason, updatedAt: now })
      .where(
        and(
          eq(campaigns.projectId, projectId),
          eq(campaigns.status, "paused"),
          inArray(campaigns.pausedReason, carried),
        ),
      ),
    db
      .update(runs)
      .set({ statusReason: reason, updatedAt: now })
      .where(and(eq(runs.projectId, projectId), eq(runs.status, "paused"), inArray(runs.statusReason, carried))),
  ]);
  return { campaigns: held.length, runs: heldRuns.length };
}

async function resumeProject(deps: HoldDeps, projectId: string, reason: string) {
  const { db, env } = deps;
  const now = Date.now();
  const resumedCampaigns = await db
    .update(campaigns)
    .set({ status: "live", pausedReason: null, updatedAt: now })
    .where(and(eq(campaigns.projectId, projectId), eq(campaigns.status, "paused"), eq(campaigns.pausedReason, reason)))
    .returning({ id: campaigns.id, kind: campaigns.kind });
  const heldRuns = await db
    .select()
    .from(runs)
    .where(and(eq(runs.projectId, projectId), eq(runs.status, "paused"), eq(runs.statusReason, reason)))
    .all();
  const resumedRuns = [];
  for (const run of heldRuns) {
    const to = run.fannedOutAt === null ? "fanning_out" : "sending";
    const moved = await db
      .update(runs)
      .set({ status: to, statusReason: null, updatedAt: now })
      .where(and(eq(runs.id, run.id), eq(runs.status, "paused"), eq(runs.statusReason, reason)))
      .returning()
      .get();
    if (moved) resumedRuns.push(moved);
  }
  forgetProjectCampaigns(projectId);
  // Without queues (a direct call), the every-minute sweep restarts stalled fan-outs and the
  // 15-minute one requeues what is left queued.
  if (!env) return { campaigns: resumedCampaigns.length, runs: resumedRuns.length };
  await sendJobs(env, resumedRuns.flatMap(continueJobs));
  for (const campaign of resumedCampaigns.filter((c) => c.kind === "api")) {
    let after = "";
    for (;;) {
      const rows = await db
        .select({ id: messages.id })
        .from(messages)
        .where(
          and(
            sql`${messages.campaignId} = ${refOfCampaign(campaign.id)}`,
            isNull(messages.runId),
            eq(messages.status, "queued"),
            gt(messages.id, after),
          ),
        )
        .orderBy(messages.id)
        .limit(REQUEUE_PAGE)
        .all();
      await sendStoredMessages(
        env,
        rows.map((m) => ({ id: m.id, projectId, campaignId: campaign.id, runId: null })),
      );
      if (rows.length < REQUEUE_PAGE) break;
      after = rows.at(-1)?.id ?? after;
    }
    await requeueApiDays(env, db, projectId, campaign.id);
  }
  return { campaigns: resumedCampaigns.length, runs: resumedRuns.length };
}

/**
 * Moves the project from its stored hold (`previous`) to `next`: holds, renames the reason, or
 * lifts. Writes the account row's hold columns last, so a failure part-way is retried whole by
 * the events queue (each step is a compare-and-set that repeats harmlessly).
 */
export async function applyHold(deps: HoldDeps, projectId: string, previous: string | null, next: Hold | null) {
  const { db, log } = deps;
  if (next && next.reason !== previous) {
    const held = await pauseProject(db, projectId, next.reason, previous);
    forgetProjectCampaigns(projectId);
    log.warn("campaigns held by the WhatsApp account's state", { projectId, reason: next.reason, ...held });
  } else if (!next && previous) {
    const resumed = await resumeProject(deps, projectId, previous);
    log.info("WhatsApp account hold lifted", { projectId, ...resumed });
  }
  await db
    .update(whatsappAccounts)
    .set({ holdReason: next?.reason ?? null, holdUntil: next?.until ?? null })
    .where(eq(whatsappAccounts.projectId, projectId));
}

/**
 * The every-minute sweep's part: holds whose restriction has expired are lifted, as if Meta had
 * said so (Meta lifts a restriction at its expiry without always sending an update).
 */
export async function liftExpiredHolds(deps: HoldDeps, now = Date.now()) {
  const due = await deps.db
    .select({
      projectId: whatsappAccounts.projectId,
      holdReason: whatsappAccounts.holdReason,
      accountState: whatsappAccounts.accountState,
    })
    .from(whatsappAccounts)
    .where(and(isNotNull(whatsappAccounts.holdReason), lte(whatsappAccounts.holdUntil, now)))
    .limit(100)
    .all();
  for (const row of due) {
    await applyHold(deps, row.projectId, row.holdReason, holdOf(row.accountState as StoredAccountState | null, now));
  }
  return due.length;
}
