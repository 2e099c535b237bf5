import { createRoute, z } from "@hono/zod-openapi";
import { requireApiKey } from "../../platform/auth/api-key";
import { notFound } from "../../platform/errors";
import { router } from "../../platform/http/context";
import { ApiKeySecurity, errorResponses, jsonContent, pathId } from "../../platform/http/openapi";
import { CampaignLinkClicksResponse, RunLinkClicksResponse } from "./schemas";
import { type LinkClicks, linkClickCounts } from "./store";

const WHAT =
  "The clicks on each url button of a broadcast campaign created with `trackClicks`: every click (`clicks`) and the recipients who clicked (`people`). Counted by `/l/{token}` as each click is redirected.";

const runClicks = createRoute({
  method: "get",
  path: "/runs/{runId}/link-clicks",
  tags: ["Runs"],
  summary: "Link clicks of a run",
  description: `${WHAT} Only the clicks on this run's messages.`,
  security: ApiKeySecurity,
  middleware: [requireApiKey],
  request: { params: z.object({ runId: pathId("runId") }) },
  responses: { 200: jsonContent(RunLinkClicksResponse, "The run's clicks"), ...errorResponses(400, 401, 404) },
});

const campaignClicks = createRoute({
  method: "get",
  path: "/campaigns/{campaignId}/link-clicks",
  tags: ["Stats"],
  summary: "Link clicks of a campaign",
  description: `${WHAT} Summed over all its runs; a person who clicked in two runs is one person.`,
  security: ApiKeySecurity,
  middleware: [requireApiKey],
  request: { params: z.object({ campaignId: pathId("campaignId") }) },
  responses: {
    200: jsonContent(CampaignLinkClicksResponse, "The campaign's clicks"),
    ...errorResponses(400, 401, 404),
  },
});

const answer = (counts: LinkClicks) => ({
  status: "success" as const,
  campaignId: counts.campaign.id,
  trackClicks: counts.campaign.trackClicks,
  buttons: counts.buttons,
});

export const linkClickRoutes = router()
  .openapi(runClicks, async (c) => {
    const counts = await linkClickCounts(c.var.db, c.var.principal.projectId, { runId: c.req.valid("param").runId });
    if (!counts?.runId) throw notFound("run");
    return c.json({ ...answer(counts), runId: counts.runId }, 200);
  })
  .openapi(campaignClicks, async (c) => {
    const { campaignId } = c.req.valid("param");
    const counts = await linkClickCounts(c.var.db, c.var.principal.projectId, { campaignId });
    if (!counts) throw notFound("broadcast campaign");
    return c.json(answer(counts), 200);
  });
