import { createRoute, z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { requireApiKey } from "../../platform/auth/api-key";
import { campaigns, runs } from "../../platform/db/schema";
import { notFound } from "../../platform/errors";
import { router } from "../../platform/http/context";
import { ApiKeySecurity, errorResponses, jsonContent, pathId } from "../../platform/http/openapi";
import { archivedApiDays, projectRun } from "../archive/store";
import { RateCard, readRateCard } from "./rate-card";
import { BillingTally, tallyApiCampaign, tallyRun } from "./report";
import { CampaignBillingResponse, RunBillingResponse } from "./schemas";

const WHAT =
  "Meta's per-message pricing, as its status webhooks reported it: delivered messages counted as charged (by category and by the recipient's market), free or not yet priced, and an estimated cost from the operator's rate card (`PUT /v1/admin/rate-card`) at the rate in effect on the day each was delivered. The same whether the messages are in D1 or moved to the archive.";

const runBilling = createRoute({
  method: "get",
  path: "/runs/{runId}/billing",
  tags: ["Runs"],
  summary: "What a run costs at Meta",
  description: WHAT,
  security: ApiKeySecurity,
  middleware: [requireApiKey],
  request: { params: z.object({ runId: pathId("runId") }) },
  responses: { 200: jsonContent(RunBillingResponse, "The run's billing"), ...errorResponses(400, 401, 404) },
});

const campaignBilling = createRoute({
  method: "get",
  path: "/campaigns/{campaignId}/billing",
  tags: ["Stats"],
  summary: "What a campaign costs at Meta",
  description: `${WHAT} A broadcast campaign's is the sum of its runs'; an API campaign's counts all its messages.`,
  security: ApiKeySecurity,
  middleware: [requireApiKey],
  request: { params: z.object({ campaignId: pathId("campaignId") }) },
  responses: { 200: jsonContent(CampaignBillingResponse, "The campaign's billing"), ...errorResponses(400, 401, 404) },
});

export const billingRoutes = router()
  .openapi(runBilling, async (c) => {
    const { db } = c.var;
    const { projectId } = c.var.principal;
    const run = await projectRun(db, projectId, c.req.valid("param").runId);
    if (!run) throw notFound("run");
    const tally = new BillingTally();
    const [card] = await Promise.all([readRateCard(db), tallyRun(tally, c.env, db, projectId, run.id)]);
    return c.json({ status: "success" as const, runId: run.id, billing: tally.report(new RateCard(card)) }, 200);
  })
  .openapi(campaignBilling, async (c) => {
    const { db } = c.var;
    const { projectId } = c.var.principal;
    const campaignId = c.req.valid("param").campaignId;
    const campaign = await db
      .select({ kind: campaigns.kind })
      .from(campaigns)
      .where(and(eq(campaigns.projectId, projectId), eq(campaigns.id, campaignId)))
      .get();
    if (!campaign) throw notFound("campaign");
    const tally = new BillingTally();
    // A broadcast campaign's runs, or an API campaign's days kept in their own objects
    // (src/features/api-days): each where it keeps its messages.
    const ids = await db
      .select({ id: runs.id })
      .from(runs)
      .where(and(eq(runs.projectId, projectId), eq(runs.campaignId, campaignId)))
      .all();
    for (const run of ids) await tallyRun(tally, c.env, db, projectId, run.id);
    if (campaign.kind === "api") {
      const days = await archivedApiDays(db, projectId, campaignId);
      await tallyApiCampaign(tally, db, c.env.FILES, projectId, campaignId, days);
    }
    const card = new RateCard(await readRateCard(db));
    return c.json({ status: "success" as const, campaignId, billing: tally.report(card) }, 200);
  });
