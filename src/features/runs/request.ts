import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { fieldError, notFound } from "../../platform/errors";
import type { AppEnv } from "../../platform/http/context";
import { loadBroadcastCampaign } from "../broadcast-messages/campaign";
import { fitOf, limitStanding } from "../messaging-limit/check";
import { LimitCheckSchema, LimitPolicySchema } from "../messaging-limit/schemas";
import { campaignStats } from "../stats/record";
import { dryRun } from "./dry-run";
import { type RunRow, RunSchema, toRun } from "./schemas";
import { startRun } from "./start";
import { toMillis } from "./time";

const AudienceRef = z.string().min(1).max(100);

export const RunRequestBody = z
  .object({
    campaignId: z.string().min(1).max(100).openapi({ example: "myCampaignId" }),
    audiences: z
      .array(AudienceRef)
      .min(1)
      .max(50)
      .openapi({ description: 'Audience ids or unique names; `["all"]` targets every contact', example: ["all"] }),
    timeToRun: z
      .union([z.number(), z.string().max(40)])
      .nullable()
      .optional()
      .openapi({ description: "When to run: Unix seconds or milliseconds, or ISO 8601. Omitted or past: now" }),
    dryRun: z
      .boolean()
      .optional()
      .openapi({ description: "Only count who would be sent and skipped, and why; nothing is written or sent" }),
    whenOverLimit: LimitPolicySchema.optional(),
    retryMarketingLimited: z.boolean().optional().openapi({
      description:
        "Once the run completes, send once more, a day later, to the recipients Meta held for their per-user marketing limit (error 131049): a new run with `retryOf` this run and `retryKind` marketing_limited",
    }),
  })
  .openapi("RunCampaignRequest");
export type RunRequestBody = z.infer<typeof RunRequestBody>;

export const DryRunSchema = z
  .object({
    recipients: z.number().int().openapi({ description: "Contacts in the audiences, each counted once" }),
    wouldSend: z.number().int(),
    skipped: z.object({
      opted_out: z.number().int(),
      us_marketing_paused: z.number().int().openapi({
        description:
          "US (+1) numbers of a marketing campaign, which WhatsApp does not deliver marketing templates to (paused by Meta since April 2025)",
      }),
      missing_variable: z.record(z.string(), z.number().int()).openapi({
        description: "Per `group.field`: recipients skipped for lack of a sendable value",
        example: { "users.first_name": 3 },
      }),
    }),
    templateStatus: z.string().nullable().openapi({ description: "The template's WhatsApp review status" }),
    messagingLimit: LimitCheckSchema.optional().openapi({
      description:
        "Present when the portfolio has a finite messaging limit: how many of the recipients it would send to fit in what is left of it",
    }),
  })
  .openapi("DryRun");

export const RunResponse = z
  .object({
    status: z.literal("success"),
    run: RunSchema,
    messagingLimit: LimitCheckSchema.optional().openapi({
      description:
        "Present when the run was about to start and the portfolio has a finite messaging limit: its recipients against what is left of it. A run that does not fit waits (`scheduled`, with the reason) or is refused, as `whenOverLimit` says",
    }),
  })
  .openapi("RunResponse");
export const DryRunResponse = z
  .object({ status: z.literal("success"), dryRun: DryRunSchema })
  .openapi("DryRunResponse");

/** A run in the API shape, with its results from the campaign's statistics object. */
export async function runView(env: Env, row: RunRow) {
  const snapshot = await campaignStats(env, row.campaignId).read();
  return toRun(row, snapshot.runs[row.id]);
}

/** Runs in the API shape: one statistics read per campaign among them, all in parallel. */
export async function runViews(env: Env, rows: RunRow[]) {
  const campaignIds = [...new Set(rows.map((r) => r.campaignId))];
  const snapshots = new Map(
    await Promise.all(campaignIds.map(async (id) => [id, await campaignStats(env, id).read()] as const)),
  );
  return rows.map((row) => toRun(row, snapshots.get(row.campaignId)?.runs[row.id]));
}

/**
 * `POST /v1/run/campaign` — also how `POST /v1/create/campaign` answers a body with `campaignId`
 * and no `title` (the reference document's run example posts there). A dry run answers 200 with
 * counts; a run answers 202 with the run, started or scheduled.
 */
export async function handleRunRequest(c: Context<AppEnv>, body: RunRequestBody) {
  const { db } = c.var;
  const { projectId } = c.var.principal;
  let timeToRun: number | null = null;
  if (body.timeToRun !== undefined && body.timeToRun !== null) {
    timeToRun = toMillis(body.timeToRun);
    if (timeToRun === null) {
      throw fieldError("timeToRun", "must be a Unix timestamp (seconds or milliseconds) or an ISO 8601 time");
    }
  }
  if (body.dryRun) {
    const campaign = await loadBroadcastCampaign(db, projectId, body.campaignId);
    if (!campaign) throw notFound("campaign");
    const counted = await dryRun(
      db,
      campaign,
      body.audiences,
      { usMarketingPaused: c.var.config.US_MARKETING_PAUSED },
      c.env,
    );
    const standing = await limitStanding(c.env, db, projectId);
    const messagingLimit = standing.remaining === null ? undefined : fitOf(standing, counted.wouldSend);
    return c.json(
      { status: "success" as const, dryRun: { ...counted, ...(messagingLimit ? { messagingLimit } : {}) } },
      200,
    );
  }
  const run = await startRun(
    { env: c.env, db },
    {
      projectId,
      campaignId: body.campaignId,
      audiences: body.audiences,
      timeToRun,
      retryMarketingLimited: body.retryMarketingLimited === true,
      whenOverLimit: body.whenOverLimit,
    },
  );
  c.var.log.info("run started", { runId: run.id, campaignId: run.campaignId, status: run.status });
  return c.json(
    { status: "success" as const, run: toRun(run), ...(run.limitCheck ? { messagingLimit: run.limitCheck } : {}) },
    202,
  );
}
