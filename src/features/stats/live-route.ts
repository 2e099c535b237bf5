import { createRoute } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { requireApiKey } from "../../platform/auth/api-key";
import { ApiError, fieldError, notFound } from "../../platform/errors";
import { type AppEnv, router } from "../../platform/http/context";
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
    "Authenticate with the `Authorization` header, or, from a browser (which cannot set headers on a WebSocket), with the dashboard's session cookie (`POST /v1/session`), which the browser sends with the upgrade. A key in the URL (`?apiKey=`) is refused with 400: URLs are kept by request logs, proxies and browser history.",
    "A request without the upgrade header gets 426.",
  ].join("\n\n"),
  security: ApiKeySecurity,
  request: {
    params: CampaignIdParam,
  },
  responses: {
    101: { description: "Switching protocols: the WebSocket is open" },
    ...errorResponses(400, 401, 404, 426),
  },
});

// Declared for the OpenAPI document only: a WebSocket upgrade has no JSON response to validate.
export const liveRoutes = router();
liveRoutes.openAPIRegistry.registerPath(live);
// Checked before authentication, so a key in the URL is refused whether or not it is valid.
const noKeyInUrl = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.query("apiKey") !== undefined) {
    throw fieldError(
      "apiKey",
      "a key in the URL is kept by logs and proxies: send `Authorization: Bearer <key>`, or from a browser sign in with `POST /v1/session` (the cookie goes with the upgrade)",
      "query",
    );
  }
  await next();
});

liveRoutes.get("/:campaignId/live", noKeyInUrl, requireApiKey, async (c) => {
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
