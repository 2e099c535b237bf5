import { createRoute, z } from "@hono/zod-openapi";
import { requireApiKey } from "../../platform/auth/api-key";
import { notFound } from "../../platform/errors";
import { router } from "../../platform/http/context";
import { ApiKeySecurity, errorResponses, jsonContent, pathId } from "../../platform/http/openapi";
import { projectRun } from "../archive/store";
import { campaignAnalytics, projectCampaign, runAnalytics } from "./report";
import { CampaignAnalyticsResponse, RunAnalyticsResponse } from "./schemas";

const WHAT =
  "The funnel from queued to replied, the reply rate (replied / delivered) and the presses of each quick-reply button with the people who pressed it. `queued` to `read` are the campaign's counters; `replied` counts the messages whose recipient wrote to us within 24 hours of delivery (quoting the message or not) or answered the message itself. The same whether the messages are in D1 or moved to the archive.";

const runRoute = createRoute({
  method: "get",
  path: "/runs/{runId}/analytics",
  tags: ["Runs"],
  summary: "How a run's recipients engaged",
  description: WHAT,
  security: ApiKeySecurity,
  middleware: [requireApiKey],
  request: { params: z.object({ runId: pathId("runId", "run_0192f3c4a1b2c3d4e5f6a7b8") }) },
  responses: { 200: jsonContent(RunAnalyticsResponse, "The run's analytics"), ...errorResponses(400, 401, 404) },
});

const campaignRoute = createRoute({
  method: "get",
  path: "/campaigns/{campaignId}/analytics",
  tags: ["Campaign statistics"],
  summary: "How a campaign's recipients engaged",
  description: `${WHAT} A broadcast campaign's funnel is the sum of its runs'; an API campaign's counts all its messages.`,
  security: ApiKeySecurity,
  middleware: [requireApiKey],
  request: { params: z.object({ campaignId: pathId("campaignId", "cmp_0192f3c4a1b2c3d4e5f6a7b8") }) },
  responses: {
    200: jsonContent(CampaignAnalyticsResponse, "The campaign's analytics"),
    ...errorResponses(400, 401, 404),
  },
});

export const analyticsRoutes = router()
  .openapi(runRoute, async (c) => {
    const { projectId } = c.var.principal;
    const run = await projectRun(c.var.db, projectId, c.req.valid("param").runId);
    if (!run) throw notFound("run");
    const analytics = await runAnalytics(c.env, c.var.db, projectId, run);
    return c.json({ status: "success" as const, runId: run.id, campaignId: run.campaignId, analytics }, 200);
  })
  .openapi(campaignRoute, async (c) => {
    const { projectId } = c.var.principal;
    const campaign = await projectCampaign(c.var.db, projectId, c.req.valid("param").campaignId);
    if (!campaign) throw notFound("campaign");
    const analytics = await campaignAnalytics(c.env, c.var.db, projectId, campaign);
    return c.json({ status: "success" as const, campaignId: campaign.id, analytics }, 200);
  });
