import { createRoute } from "@hono/zod-openapi";
import { requireApiKey, requireRole } from "../../platform/auth/api-key";
import { forgetProjectCampaigns } from "../../platform/campaign-cache";
import { createDb, type Db } from "../../platform/db/client";
import { ApiError, fieldError, notFound } from "../../platform/errors";
import { router } from "../../platform/http/context";
import { ApiKeySecurity, errorResponses, jsonBody, jsonContent } from "../../platform/http/openapi";
import { decodeCursor, PageQuery, page, toPage } from "../../platform/http/pagination";
import { requeueApiDays } from "../api-days/requeue";
import { requeueCampaignPages } from "../messages/requeue";
import { getTemplate } from "../templates/store";
import {
  ApiCampaignIdParam,
  ApiCampaignListQuery,
  ApiCampaignSchema,
  CreateApiCampaignBody,
  toApiCampaign,
  UpdateApiCampaignBody,
} from "./schemas";
import {
  type ApiCampaignChanges,
  getApiCampaign,
  insertApiCampaign,
  listApiCampaigns,
  setApiCampaignStatus,
  updateApiCampaign,
} from "./store";

const MAX_REQUEUE_PAGES = 20;

/** Puts a resumed campaign's held messages back on the queue: those in D1, and those in its days' objects. */
const requeueAll = async (env: Env, projectId: string, campaignId: string) => {
  const db = createDb(env.DB);
  await requeueCampaignPages(env, db, projectId, campaignId, MAX_REQUEUE_PAGES);
  await requeueApiDays(env, db, projectId, campaignId);
};

const managerOnly = [requireRole("manager")];
const TAGS = ["API campaigns"];

const nameTaken = (name: string) =>
  new ApiError("conflict", `an API campaign named "${name}" already exists`, {
    fields: [{ field: "name", in: "body", message: "an API campaign with this name already exists" }],
  });

/**
 * The template a campaign may send: one of this project's, approved. Another project's template
 * gets the same answer as one that does not exist.
 */
async function requireApprovedTemplate(db: Db, projectId: string, templateId: string) {
  const template = await getTemplate(db, projectId, templateId);
  if (!template) throw fieldError("templateId", "no template with this id in the project");
  if (template.status !== "APPROVED") {
    throw fieldError(
      "templateId",
      `template "${template.name}" (${template.language}) is ${template.status}; only an APPROVED template can be used`,
    );
  }
  return template;
}

const create = createRoute({
  method: "post",
  path: "/",
  tags: TAGS,
  summary: "Create an API campaign",
  description:
    "Names a pre-approved template under a campaign name. A CRM then sends that template to one person at a time by naming the campaign (`campaignName`); a `live` campaign sends, a `paused` one refuses.",
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: jsonBody(CreateApiCampaignBody),
  responses: {
    201: jsonContent(ApiCampaignSchema, "The campaign"),
    ...errorResponses(400, 401, 403, 409, 413),
  },
});

const list = createRoute({
  method: "get",
  path: "/",
  tags: TAGS,
  summary: "List API campaigns",
  description: "Oldest first, with cursor pagination. Readable with either role, so a sender can see what it may send.",
  security: ApiKeySecurity,
  request: { query: PageQuery.extend(ApiCampaignListQuery.shape) },
  responses: { 200: jsonContent(page(ApiCampaignSchema), "A page of API campaigns"), ...errorResponses(400, 401) },
});

const get = createRoute({
  method: "get",
  path: "/{id}",
  tags: TAGS,
  summary: "Get an API campaign",
  security: ApiKeySecurity,
  request: { params: ApiCampaignIdParam },
  responses: { 200: jsonContent(ApiCampaignSchema, "The campaign"), ...errorResponses(400, 401, 404) },
});

const update = createRoute({
  method: "patch",
  path: "/{id}",
  tags: TAGS,
  summary: "Change an API campaign",
  description:
    "Any of `name`, `templateId` and `status`; omitted fields keep their values. A `templateId` must name an approved template of the project. Setting `status` to `live` clears `pausedReason`.",
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: { params: ApiCampaignIdParam, ...jsonBody(UpdateApiCampaignBody) },
  responses: {
    200: jsonContent(ApiCampaignSchema, "The campaign, changed"),
    ...errorResponses(400, 401, 403, 404, 409, 413),
  },
});

const pause = createRoute({
  method: "post",
  path: "/{id}/pause",
  tags: TAGS,
  summary: "Pause an API campaign",
  description: "Sends naming a paused campaign are refused. Pausing a paused campaign changes nothing.",
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: { params: ApiCampaignIdParam },
  responses: { 200: jsonContent(ApiCampaignSchema, "The campaign, paused"), ...errorResponses(400, 401, 403, 404) },
});

const resume = createRoute({
  method: "post",
  path: "/{id}/resume",
  tags: TAGS,
  summary: "Set an API campaign live again",
  description: "Clears `pausedReason`. Resuming a live campaign changes nothing.",
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: { params: ApiCampaignIdParam },
  responses: { 200: jsonContent(ApiCampaignSchema, "The campaign, live"), ...errorResponses(400, 401, 403, 404) },
});

export const apiCampaignRoutes = router(requireApiKey)
  .openapi(create, async (c) => {
    const { name, templateId, status } = c.req.valid("json");
    const { db, log } = c.var;
    const { projectId } = c.var.principal;
    await requireApprovedTemplate(db, projectId, templateId);
    const created = await insertApiCampaign(db, projectId, { name, templateId, status });
    if (!created) throw nameTaken(name);
    forgetProjectCampaigns(projectId);
    log.info("api campaign created", { campaignId: created.id, templateId, status });
    return c.json(toApiCampaign(created), 201);
  })
  .openapi(list, async (c) => {
    const { limit, cursor, status } = c.req.valid("query");
    const afterId = decodeCursor(cursor, "string");
    const rows = await listApiCampaigns(c.var.db, c.var.principal.projectId, { status }, afterId, limit);
    return c.json(
      toPage(rows, limit, (r) => r.id, toApiCampaign),
      200,
    );
  })
  .openapi(get, async (c) => {
    const campaign = await getApiCampaign(c.var.db, c.var.principal.projectId, c.req.valid("param").id);
    if (!campaign) throw notFound("API campaign");
    return c.json(toApiCampaign(campaign), 200);
  })
  .openapi(update, async (c) => {
    const { db, log } = c.var;
    const { projectId } = c.var.principal;
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const current = await getApiCampaign(db, projectId, id);
    if (!current) throw notFound("API campaign");
    if (body.templateId !== undefined) await requireApprovedTemplate(db, projectId, body.templateId);
    // Only what differs is written, so a PATCH that changes nothing leaves updatedAt alone.
    const changes: ApiCampaignChanges = {};
    if (body.name !== undefined && body.name !== current.name) changes.name = body.name;
    if (body.templateId !== undefined && body.templateId !== current.templateId) changes.templateId = body.templateId;
    const clearsReason = body.status === "live" && current.pausedReason !== null;
    if (body.status !== undefined && (body.status !== current.status || clearsReason)) changes.status = body.status;
    if (Object.keys(changes).length === 0) return c.json(toApiCampaign(current), 200);
    const result = await updateApiCampaign(db, projectId, id, changes);
    if (result.kind === "name_taken") throw nameTaken(body.name ?? current.name);
    // Deleted between the read and the write.
    if (result.kind === "not_found") throw notFound("API campaign");
    forgetProjectCampaigns(projectId);
    log.info("api campaign updated", { campaignId: id, changed: Object.keys(changes) });
    return c.json(toApiCampaign(result.campaign), 200);
  })
  .openapi(pause, async (c) => {
    const { projectId } = c.var.principal;
    const { id } = c.req.valid("param");
    const result = await setApiCampaignStatus(c.var.db, projectId, id, "paused");
    if (!result) throw notFound("API campaign");
    if (result.changed) {
      forgetProjectCampaigns(projectId);
      c.var.log.info("api campaign paused", { campaignId: id });
    }
    return c.json(toApiCampaign(result.campaign), 200);
  })
  .openapi(resume, async (c) => {
    const { projectId } = c.var.principal;
    const { id } = c.req.valid("param");
    const result = await setApiCampaignStatus(c.var.db, projectId, id, "live");
    if (!result) throw notFound("API campaign");
    if (result.changed) {
      forgetProjectCampaigns(projectId);
      c.var.log.info("api campaign resumed", { campaignId: id });
      // Messages held while paused continue where they stopped. Anything this misses (a very long
      // backlog, an interrupted invocation) the every-minute sweep puts back on the queue.
      c.executionCtx.waitUntil(requeueAll(c.env, projectId, id));
    }
    return c.json(toApiCampaign(result.campaign), 200);
  });
