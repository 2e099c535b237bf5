import type { Db } from "../../platform/db/client";
import { runs } from "../../platform/db/schema";
import { fieldError, notFound } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { resolveAudiences } from "../audiences/members";
import { campaignStats } from "../stats/record";
import { enqueueRunJob } from "./jobs";
import type { RunRow } from "./schemas";
import { runCampaign, START_CURSOR } from "./store";
import { templateGate } from "./template-gate";

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
}

/**
 * Records a new run of a broadcast campaign and sets it going: a future `timeToRun` schedules it
 * on the campaign's CampaignStats object (an alarm); otherwise the template decides at once
 * whether it fans out now, waits for approval, or fails. Everything is validated before the row is
 * written. Throws `audiences` field errors for no or unknown audiences, not_found for a campaign
 * that is not one of the project's broadcast campaigns.
 */
export async function startRun(deps: { env: Env; db: Db }, input: StartRunInput): Promise<RunRow> {
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
  const at = input.timeToRun ?? null;
  const scheduled = at !== null && at > now;
  const gate = scheduled ? null : templateGate(campaign);
  const row = await db
    .insert(runs)
    .values({
      id: newId("run"),
      projectId: input.projectId,
      campaignId: input.campaignId,
      status: gate?.status ?? "scheduled",
      statusReason: gate?.reason ?? null,
      audiences: [...new Set(input.audiences)],
      timeToRun: at,
      retryOf: input.retryOf ?? null,
      retryKind: input.retryKind ?? null,
      retryMarketingLimited: input.retryMarketingLimited ? 1 : 0,
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
  if (scheduled) await campaignStats(env, row.campaignId).scheduleRun(row.id, row.projectId, at);
  else if (row.status === "fanning_out")
    await enqueueRunJob(env, { kind: "run-fanout", runId: row.id, projectId: row.projectId });
  return row;
}
