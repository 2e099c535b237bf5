import { createRoute } from "@hono/zod-openapi";
import { requireApiKey } from "../../platform/auth/api-key";
import { notFound } from "../../platform/errors";
import { router } from "../../platform/http/context";
import { ApiKeySecurity, errorResponses, jsonContent } from "../../platform/http/openapi";
import { campaignStats } from "./record";
import { CampaignIdParam, CampaignStatsSchema, STATS_TAGS } from "./schemas";
import { campaignInProject } from "./store";

const get = createRoute({
  method: "get",
  path: "/{campaignId}/stats",
  tags: STATS_TAGS,
  summary: "A campaign's statistics",
  description:
    "Counters per run and in total, with the delivery rate (delivered / sent) and read rate (read / delivered). Counters only grow and count messages that ever reached a stage. Any key of the campaign's project may read them.",
  security: ApiKeySecurity,
  // Route-level, not router-wide: the live route shares the /v1/campaigns prefix and authenticates
  // in its own way (it also takes the key from the query).
  middleware: [requireApiKey],
  request: { params: CampaignIdParam },
  responses: { 200: jsonContent(CampaignStatsSchema, "The statistics"), ...errorResponses(401, 404) },
});

export const statsRoutes = router().openapi(get, async (c) => {
  const { campaignId } = c.req.valid("param");
  if (!(await campaignInProject(c.var.db, c.var.principal.projectId, campaignId))) throw notFound("campaign");
  const { total, runs } = await campaignStats(c.env, campaignId).read();
  return c.json({ campaignId, total, runs }, 200);
});
