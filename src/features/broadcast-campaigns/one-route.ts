import { createRoute, z } from "@hono/zod-openapi";
import { managerOnly } from "../../platform/auth/manager-only";
import { notFound } from "../../platform/errors";
import { router } from "../../platform/http/context";
import { ApiKeySecurity, errorResponses, jsonContent, pathId } from "../../platform/http/openapi";
import { loadBroadcastCampaign } from "../broadcast-messages/campaign";
import { CampaignSchema, TAGS } from "./schemas";
import { campaignViews } from "./view";

const one = createRoute({
  method: "get",
  path: "/{campaignId}",
  tags: TAGS,
  summary: "Retrieve one broadcast campaign",
  description:
    "One broadcast campaign as `GET /v1/retrieve/campaigns` lists it: its runs, its results and its template's review status. The dashboard's campaign page reads it; the list route stays the reference's way to page through them.",
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: { params: z.object({ campaignId: pathId("campaignId", "cmp_0192f3c4a1b2c3d4e5f6a7b8") }) },
  responses: {
    200: jsonContent(CampaignSchema, "The campaign"),
    ...errorResponses(400, 401, 403, 404),
  },
});

export const broadcastCampaignRoute = router().openapi(one, async (c) => {
  const { campaignId } = c.req.valid("param");
  const { projectId } = c.var.principal;
  const campaign = await loadBroadcastCampaign(c.var.db, projectId, campaignId);
  if (!campaign) throw notFound("campaign");
  const [view] = await campaignViews({ env: c.env, db: c.var.db }, projectId, [campaign]);
  if (!view) throw notFound("campaign");
  return c.json(view, 200);
});
