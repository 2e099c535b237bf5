import { Scalar } from "@scalar/hono-api-reference";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { requestId } from "hono/request-id";
import { projectRoutes } from "./features/admin/project-route";
import { adminRoutes } from "./features/admin/routes";
import { analyticsRoutes } from "./features/analytics/routes";
import { apiCampaignRoutes } from "./features/api-campaigns/routes";
import { apiSendRoutes } from "./features/api-campaigns/send-route";
import { archiveAdminRoutes } from "./features/archive/admin-routes";
import { retargetRoutes } from "./features/archive/retarget-route";
import { settingsRoutes } from "./features/archive/settings-routes";
import { audienceRoutes } from "./features/audiences/routes";
import { rateCardRoutes } from "./features/billing/rate-card-routes";
import { billingRoutes } from "./features/billing/routes";
import { broadcastCampaignRoute } from "./features/broadcast-campaigns/one-route";
import { broadcastCampaignRoutes } from "./features/broadcast-campaigns/routes";
import { definitionRoutes } from "./features/contacts/definition-routes";
import { ATTRIBUTES, TAGS } from "./features/contacts/definitions";
import { contactRoutes } from "./features/contacts/routes";
import { callbackRoutes } from "./features/customer-callbacks/routes";
import { dashboardRoutes } from "./features/dashboard/routes";
import { deadLetterRoutes } from "./features/dead-letters/routes";
import { importRoutes } from "./features/imports/routes";
import { campaignResponseRoutes } from "./features/inbound/responses-routes";
import { journeyRoutes } from "./features/journeys/routes";
import { linkRedirectRoutes } from "./features/link-clicks/redirect-route";
import { linkClickRoutes } from "./features/link-clicks/routes";
import { mediaRoutes } from "./features/media/library-routes";
import { messageRoutes } from "./features/messages/routes";
import { messagingLimitRoutes } from "./features/messaging-limit/routes";
import { recountRoutes } from "./features/outbox/recount-route";
import { overviewRoutes } from "./features/overview/routes";
import { runRoutes } from "./features/runs/routes";
import { sessionRoutes } from "./features/sessions/routes";
import { liveRoutes } from "./features/stats/live-route";
import { statsRoutes } from "./features/stats/routes";
import { timelineRoutes } from "./features/stats/timeline-routes";
import { storageRoutes } from "./features/storage/routes";
import { templateRoutes } from "./features/templates/routes";
import { variableGroupRoutes } from "./features/variable-groups/routes";
import { webhookFieldRoutes } from "./features/webhooks/field-counts";
import { whatsappWebhooks } from "./features/webhooks/routes";
import { readConfig } from "./platform/config";
import { BOOKMARK_HEADER, RequestSession, sessionStart } from "./platform/db/sessions";
import { ApiError, errorResponse, toApiError } from "./platform/errors";
import { type AppEnv, router } from "./platform/http/context";
import { createLogger } from "./platform/log";

export const MAX_JSON_BODY_BYTES = 256 * 1024;
const JSON_TYPE = /^application\/([\w.-]+\+)?json\b/i;

const context = createMiddleware<AppEnv>(async (c, next) => {
  const config = readConfig(c.env);
  const log = createLogger({ requestId: c.get("requestId") }, config.LOG_LEVEL);
  c.set("config", config);
  c.set("log", log);
  const start = sessionStart(c.req.method, c.req.path, c.req.header(BOOKMARK_HEADER));
  const session = new RequestSession(c.env.DB, start, config.DEBUG_D1_COUNT ? { count: 0 } : undefined);
  c.set("db", session.db);
  const started = Date.now();
  await next();
  if (session.trips) c.res.headers.set("X-D1-Round-Trips", String(session.trips.count));
  // The copy of the database this request last read or wrote: sent back on a later GET, it makes
  // that read see this request's writes. Absent when the request made no query (unless it presented
  // one), and on a WebSocket upgrade (101), whose headers cannot change once the socket is handed over.
  const bookmark = session.bookmark();
  if (bookmark && c.res.status !== 101) c.res.headers.set(BOOKMARK_HEADER, bookmark);
  // routePath is the matched pattern (`/v1/contacts/:number`), so no number reaches the log.
  log.info("request", { method: c.req.method, route: c.req.routePath, status: c.res.status, ms: Date.now() - started });
});

/** CSV uploads: multipart or raw CSV, streamed to R2 by their routes under their own size limit. */
const isFileUpload = (path: string) => path.endsWith("/from/file");

// A JSON API must not quietly read a form or plain text as an empty object.
const WITH_BODY = new Set(["POST", "PUT", "PATCH"]);
const requireJsonBody = createMiddleware<AppEnv>(async (c, next) => {
  if (WITH_BODY.has(c.req.method) && !isFileUpload(c.req.path)) {
    const type = c.req.header("content-type") ?? "";
    const hasBody = c.req.raw.body !== null && c.req.header("content-length") !== "0";
    if (hasBody && !JSON_TYPE.test(type)) {
      throw new ApiError("unsupported_media_type", "send the body as JSON with `Content-Type: application/json`");
    }
  }
  await next();
});

const jsonBodyLimit = bodyLimit({
  maxSize: MAX_JSON_BODY_BYTES,
  onError: () => {
    throw new ApiError("payload_too_large", `request body is larger than ${MAX_JSON_BODY_BYTES} bytes`);
  },
});

// Webhooks set their own, larger limit: Meta's payloads may reach 3 MB. File uploads stream.
const limitBody = createMiddleware<AppEnv>((c, next) =>
  c.req.path.startsWith("/webhooks/") || isFileUpload(c.req.path) ? next() : jsonBodyLimit(c, next),
);

export function createApp() {
  const app = router();

  // Routing errors come before authentication, so that a wrong path or method gets the same
  // 404/405 with or without credentials (the routers' auth middleware would otherwise answer 401).
  let table: RouteTable | undefined;
  const routeExists = createMiddleware<AppEnv>(async (c, next) => {
    table ??= routeTable(app.routes);
    const allowed = table.literal.get(c.req.path) ?? allowedMethods(table, c.req.path);
    if (allowed.length === 0) throw noRoute(c.req.method, c.req.path);
    if (!allowed.includes(c.req.method)) throw methodNotAllowed(c.req.method, allowed);
    await next();
  });

  app.use("*", requestId({ headerName: "X-Request-Id" }), context, routeExists, requireJsonBody, limitBody);

  // Before adminRoutes: its routes check the operator token themselves, once.
  app.route("/v1/admin/projects", archiveAdminRoutes);
  app.route("/v1/admin/projects", adminRoutes);
  app.route("/v1/admin/dead-letters", deadLetterRoutes);
  app.route("/v1/admin/webhook-fields", webhookFieldRoutes);
  app.route("/v1/admin/storage", storageRoutes);
  app.route("/v1/admin/rate-card", rateCardRoutes);
  app.route("/v1/admin/campaigns", recountRoutes);
  app.route("/v1/session", sessionRoutes);
  app.route("/v1/project/settings", settingsRoutes);
  app.route("/v1/project", messagingLimitRoutes);
  app.route("/v1/project", overviewRoutes);
  app.route("/v1/project", projectRoutes);
  app.route("/v1/tags", definitionRoutes(TAGS));
  app.route("/v1/attributes", definitionRoutes(ATTRIBUTES));
  app.route("/v1/contacts", contactRoutes);
  app.route("/v1/templates", templateRoutes);
  app.route("/v1/api-campaigns", apiCampaignRoutes);
  app.route("/v1/broadcast-campaigns", broadcastCampaignRoute);
  app.route("/v1/messages", messageRoutes);
  app.route("/v1/campaigns", campaignResponseRoutes);
  app.route("/v1/callback", callbackRoutes);
  app.route("/v1/campaigns", statsRoutes);
  app.route("/v1/campaigns", liveRoutes);
  app.route("/webhooks/whatsapp", whatsappWebhooks);
  app.route("/campaign/t1/api/v2", apiSendRoutes);
  // The broadcast style, at the reference document's paths (/v1/create/…, /v1/retrieve/…).
  app.route("/v1", audienceRoutes);
  app.route("/v1", variableGroupRoutes);
  app.route("/v1", importRoutes);
  app.route("/v1", broadcastCampaignRoutes);
  app.route("/v1", runRoutes);
  app.route("/v1", retargetRoutes);
  app.route("/v1", journeyRoutes);
  app.route("/v1", mediaRoutes);
  app.route("/v1", billingRoutes);
  app.route("/v1", analyticsRoutes);
  app.route("/v1", linkClickRoutes);
  // A tracked url button's link: short, as it is part of every message's URL.
  app.route("/l", linkRedirectRoutes);
  app.route("/v1", timelineRoutes);

  app.openAPIRegistry.registerComponent("securitySchemes", "ApiKey", {
    type: "apiKey",
    in: "header",
    name: "Authorization",
    description:
      "The project API key, raw or as `Bearer <key>`. The API-campaign endpoint also takes it as `apiKey` in the body. From the dashboard's own pages, its session cookie stands in for the key it was signed in with.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "SessionCookie", {
    type: "apiKey",
    in: "cookie",
    name: "wa_session",
    description:
      "The dashboard's session, from `POST /v1/session`: HttpOnly, SameSite=Strict; a change must come from the same origin.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "AdminToken", {
    type: "http",
    scheme: "bearer",
    description:
      "The operator token (the `ADMIN_TOKEN` secret). The dashboard's operator session cookie, and Cloudflare Access's JWT when configured, stand in for it.",
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "WhatsApp Campaign API",
      version: "0.1.0",
      description:
        "Send approved WhatsApp template messages to one person or to whole audiences, and read per-campaign results.",
    },
  });
  app.get("/docs", Scalar({ url: "/openapi.json", pageTitle: "WhatsApp Campaign API" }));
  app.get("/health", (c) => c.json({ ok: true }));
  app.route("/", dashboardRoutes);

  // Reached only if the router disagrees with routeExists; a 404 is then the honest answer.
  app.notFound((c) => errorResponse(c, noRoute(c.req.method, c.req.path)));

  app.onError((err, c) => {
    const apiError = toApiError(err);
    if (apiError.status >= 500) {
      // The client learns nothing internal; the log keeps the cause.
      (c.var.log ?? createLogger({ requestId: c.var.requestId })).error("unhandled error", { err });
    }
    return errorResponse(c, apiError);
  });

  return app;
}

const noRoute = (method: string, path: string) => new ApiError("not_found", `no route for ${method} ${path}`);

const methodNotAllowed = (method: string, allowed: string[]) =>
  new ApiError("method_not_allowed", `${method} is not allowed here; use ${allowed.join(", ")}`, {
    headers: { Allow: allowed.join(", ") },
  });

interface RouteTable {
  routes: { method: string; pattern: RegExp }[];
  /** The answer for each path registered without parameters, worked out once: the busiest paths. */
  literal: Map<string, string[]>;
}

/**
 * The registered routes as anchored patterns. Regex metacharacters in paths (the `.` of
 * `/openapi.json`) are escaped, and the router is strict about trailing slashes, so these are too.
 */
function routeTable(registered: { method: string; path: string }[]): RouteTable {
  const seen = new Set<string>();
  const table: RouteTable = { routes: [], literal: new Map() };
  for (const { method, path } of registered) {
    if (method === "ALL" || seen.has(`${method} ${path}`)) continue;
    seen.add(`${method} ${path}`);
    // A trailing `/*` (the dashboard's addresses) matches anything below it.
    const source = path
      .replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
      .replace(/:[^/]+/g, "[^/]+")
      .replace(/\/\\\*$/, "/.*");
    table.routes.push({ method, pattern: new RegExp(`^${source}$`) });
  }
  for (const { method, path } of registered) {
    if (method !== "ALL" && !path.includes(":") && !path.endsWith("*"))
      table.literal.set(path, allowedMethods(table, path));
  }
  return table;
}

/** Methods registered for a path, so that a wrong method gets 405 rather than 404. */
function allowedMethods(table: RouteTable, path: string): string[] {
  const methods = new Set<string>();
  for (const route of table.routes) if (route.pattern.test(path)) methods.add(route.method);
  if (methods.has("GET")) methods.add("HEAD");
  return [...methods].sort();
}
