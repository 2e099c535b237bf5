import { sql } from "drizzle-orm";
import { readConfig } from "../../platform/config";
import type { Db } from "../../platform/db/client";
import { runs } from "../../platform/db/schema";
import { ApiError, fieldError, notFound } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { resolveAudiences } from "../audiences/members";
import { LIMIT_RECHECK_MS, type LimitCheck, type LimitPolicy } from "../messaging-limit/check";
import { campaignStats } from "../stats/record";
import { enqueueRunJob } from "./jobs";
import { limitGate } from "./limit-gate";
import type { RunRow } from "./schemas";
import { runCampaign, START_CURSOR } from "./store";
import { type Gate, templateGate } from "./template-gate";

export interface StartRunInput {
  projectId: string;
  campaignId: string;
  /** Audience ids, unique names, or ["all"]. Ignored for a retry run, which re-sends its source's failures. */
  audiences: string[];
  /** When to start, in Unix milliseconds (the caller has read the client's form); null or past means now. */
  timeToRun?: number | null;
  retryOf?: string | null;
  /** A retry of the recipients Meta held for their marketing limit (131049), not of retryable failures. */
  retryKind?: "marketing_limited" | null;
  /** Once it completes, retry its 131049 recipients a day later (src/features/runs/marketing-retry.ts). */
  retryMarketingLimited?: boolean;
  /** When its recipients do not fit in the messaging limit (default wait). */
  whenOverLimit?: LimitPolicy;
}

/** A new run, with its messaging limit check when one was made. */
export type StartedRun = RunRow & { limitCheck?: LimitCheck };

/**
 * Records a new run of a broadcast campaign and sets it going: a future `timeToRun` schedules it
 * on the campaign's CampaignStats object (an alarm); otherwise the template decides at once
 * whether it fans out now, waits for approval, or fails, and a run that would fan out must fit in
 * the messaging limit's window (./limit-gate.ts): if not, it waits as a scheduled run that looks
 * again in 15 minutes, or is refused (409 over_messaging_limit), as its policy says. Everything is validated before the row is
 * written. Throws `audiences` field errors for no or unknown audiences, not_found for a campaign
 * that is not one of the project's broadcast campaigns.
 */
export async function startRun(deps: { env: Env; db: Db }, input: StartRunInput): Promise<StartedRun> {
  const { env, db } = deps;
  const campaign = await runCampaign(db, input.projectId, input.campaignId);
  if (!campaign) throw notFound("campaign");
  if (!input.retryOf) {
    if (input.audiences.length === 0) throw fieldError("audiences", 'name at least one audience, or "all"');
    const { unknown } = await resolveAudiences(db, input.projectId, input.audiences);
    if (unknown.length > 0) {
      throw fieldError("audiences", `no audience with this id or unique name: ${unknown.join(", ")}`);
    }
  }

  const now = Date.now();
  const policy = input.whenOverLimit ?? "wait";
  let at = input.timeToRun ?? null;
  let scheduled = at !== null && at > now;
  let gate: Gate | null = scheduled ? null : templateGate(campaign);
  // A run that would fan out now must fit in the messaging limit's window, as its policy says.
  const limit =
    gate?.status === "fanning_out"
      ? await limitGate(
          deps,
          { ...input, retryOf: input.retryOf ?? null, audiences: [...new Set(input.audiences)] },
          policy,
          now,
        )
      : null;
  if (limit && !limit.decision.go) {
    if (!limit.decision.wait) {
      throw new ApiError("over_messaging_limit", limit.decision.reason, {
        fields: [{ field: "whenOverLimit", in: "body", message: limit.decision.reason }],
      });
    }
    at = now + LIMIT_RECHECK_MS;
    scheduled = true;
    gate = null;
  }
  const row = await db
    .insert(runs)
    .values({
      id: newId("run"),
      // One more than the highest row number: unique while runs are never deleted, and the
      // unique index turns any clash into a failed insert, never two runs sharing messages.
      ref: sql`CAST((SELECT coalesce(max(rowid), 0) + 1 FROM runs) AS TEXT)`,
      // A retry re-sends another run's failures, which are where that run keeps them: in D1 for now.
      ledger: input.retryOf
        ? null
        : sql`(SELECT nullif(coalesce(p.run_messages, ${readConfig(env).RUN_MESSAGES}), 'd1') FROM projects p WHERE p.id = ${input.projectId})`,
      projectId: input.projectId,
      campaignId: input.campaignId,
      status: gate?.status ?? "scheduled",
      statusReason: gate?.reason ?? (limit && !limit.decision.go ? limit.decision.reason : null),
      audiences: [...new Set(input.audiences)],
      timeToRun: at,
      retryOf: input.retryOf ?? null,
      retryKind: input.retryKind ?? null,
      retryMarketingLimited: input.retryMarketingLimited ? 1 : 0,
      limitPolicy: policy,
      cursor: START_CURSOR,
      createdAt: now,
      startedAt: gate?.status === "fanning_out" ? now : null,
      finishedAt: gate?.status === "failed" ? now : null,
      updatedAt: now,
    })
    .returning()
    .get();
  // A failure past this point leaves a run the every-minute sweep picks up (an overdue scheduled
  // run, or a fan-out that has not moved), so the client's 500 never strands it.
  if (scheduled && at !== null) await campaignStats(env, row.campaignId).scheduleRun(row.id, row.projectId, at);
  else if (row.status === "fanning_out")
    await enqueueRunJob(env, { kind: "run-fanout", runId: row.id, projectId: row.projectId });
  return limit?.check ? { ...row, limitCheck: limit.check } : row;
}
