import { createRoute, z } from "@hono/zod-openapi";
import { requireApiKeyOrQuery } from "../../platform/auth/api-key";
import { ApiError, notFound } from "../../platform/errors";
import { router } from "../../platform/http/context";
import { ApiKeySecurity, errorResponses } from "../../platform/http/openapi";
import { campaignStats } from "./record";
import { CampaignIdParam, STATS_TAGS } from "./schemas";
import { campaignInProject } from "./store";

const live = createRoute({
  method: "get",
  path: "/{campaignId}/live",
  tags: STATS_TAGS,
  summary: "Live statistics over a WebSocket",
  description: [
    "A WebSocket upgrade (`Upgrade: websocket`). The server sends the campaign's statistics at once and again after every change, each as a JSON text message `{type: 'stats', total, runs}` (the shapes of the statistics route); it answers the text message `ping` with `pong` and ignores anything else.",
    "Authenticate with the `Authorization` header, or, from a browser (which cannot set headers on a WebSocket), with `?apiKey=<key>`. A key in a URL may be recorded in request logs, proxies and browser history: prefer the header wherever the client can set it.",
    "A request without the upgrade header gets 426.",
  ].join("\n\n"),
  security: ApiKeySecurity,
  request: {
    params: CampaignIdParam,
    query: z.object({
      apiKey: z.string().optional().openapi({ description: "The API key, for browsers; prefer the header" }),
    }),
  },
  responses: {
    101: { description: "Switching protocols: the WebSocket is open" },
    ...errorResponses(401, 404, 426),
  },
});

// Declared for the OpenAPI document only: a WebSocket upgrade has no JSON response to validate.
export const liveRoutes = router();
liveRoutes.openAPIRegistry.registerPath(live);
// Browsers cannot set headers on a WebSocket, so this route also takes `?apiKey=`.
liveRoutes.get("/:campaignId/live", requireApiKeyOrQuery, async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError("upgrade_required", "this route is a WebSocket: send `Upgrade: websocket`", {
      headers: { Upgrade: "websocket" },
    });
  }
  const campaignId = c.req.param("campaignId");
  if (campaignId.length > 64 || !(await campaignInProject(c.var.db, c.var.principal.projectId, campaignId))) {
    throw notFound("campaign");
  }
  // A fresh request: the object needs only the upgrade, never the key (which may be in the URL).
  return campaignStats(c.env, campaignId).fetch(
    new Request("https://campaign-stats.internal/live", { headers: { Upgrade: "websocket" } }),
  );
});
