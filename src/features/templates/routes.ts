import { createRoute } from "@hono/zod-openapi";
import { requireApiKey, requireRole } from "../../platform/auth/api-key";
import { forgetProjectCampaigns } from "../../platform/campaign-cache";
import { ApiError, notFound } from "../../platform/errors";
import { router } from "../../platform/http/context";
import { ApiKeySecurity, errorResponses, jsonBody, jsonContent } from "../../platform/http/openapi";
import { decodeCursor, PageQuery, page, toPage } from "../../platform/http/pagination";
import { viaProvider } from "../../whatsapp/provider-call";
import { providerForProject } from "../../whatsapp/select";
import {
  CreateTemplateBody,
  SyncResultSchema,
  TemplateIdParam,
  TemplateListQuery,
  TemplateSchema,
  toDefinition,
} from "./schemas";
import {
  deleteTemplate,
  findTemplateByName,
  getTemplate,
  insertTemplate,
  listTemplates,
  syncTemplates,
  toTemplate,
} from "./store";

const managerOnly = [requireRole("manager")];

// The provider's answers, beyond the shared statuses: 409 `not_configured` is covered by 409.
const providerResponses = errorResponses(422, 502);

const create = createRoute({
  method: "post",
  path: "/",
  tags: ["Templates"],
  summary: "Create a template and submit it for review",
  description:
    "Checked against Meta's template rules first (every problem is listed in `error.fields`), then submitted to WhatsApp. The answer carries the status WhatsApp gave (`PENDING` until Meta reviews it; the sandbox approves at once) and `params`, what a send of it must supply. Nothing is stored if WhatsApp refuses.",
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: jsonBody(CreateTemplateBody),
  responses: {
    201: jsonContent(TemplateSchema, "The template, as submitted"),
    ...errorResponses(400, 401, 403, 409, 413),
    ...providerResponses,
  },
});

const list = createRoute({
  method: "get",
  path: "/",
  tags: ["Templates"],
  summary: "List templates",
  description: "Oldest first, with cursor pagination. Readable with either role, so a sender can see what it may send.",
  security: ApiKeySecurity,
  request: { query: PageQuery.extend(TemplateListQuery.shape) },
  responses: { 200: jsonContent(page(TemplateSchema), "A page of templates"), ...errorResponses(400, 401) },
});

const get = createRoute({
  method: "get",
  path: "/{id}",
  tags: ["Templates"],
  summary: "Get a template",
  security: ApiKeySecurity,
  request: { params: TemplateIdParam },
  responses: { 200: jsonContent(TemplateSchema, "The template"), ...errorResponses(400, 401, 404) },
});

const remove = createRoute({
  method: "delete",
  path: "/{id}",
  tags: ["Templates"],
  summary: "Delete a template",
  description:
    "Deletes it at WhatsApp, then here. If WhatsApp refuses, the template is kept. Only this language is deleted at Meta (by its template id); Meta blocks a deleted name for 30 days.",
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: { params: TemplateIdParam },
  responses: {
    200: jsonContent(TemplateSchema, "The deleted template"),
    ...errorResponses(400, 401, 403, 404, 409),
    ...providerResponses,
  },
});

const sync = createRoute({
  method: "post",
  path: "/sync",
  tags: ["Templates"],
  summary: "Import the account's templates from WhatsApp",
  description:
    "Reads every template of the WhatsApp Business Account and upserts them here by name and language, updating status, rejection reason and definition. Templates WhatsApp does not list are left as they are; templates of a kind this API cannot represent (button types other than quick reply, URL and phone number, for example) are not imported.",
  security: ApiKeySecurity,
  middleware: managerOnly,
  responses: {
    200: jsonContent(SyncResultSchema, "How many templates were created, updated and left unchanged"),
    ...errorResponses(401, 403, 409),
    ...providerResponses,
  },
});

export const templateRoutes = router(requireApiKey)
  .openapi(create, async (c) => {
    const definition = toDefinition(c.req.valid("json"));
    const { db, log } = c.var;
    const { projectId } = c.var.principal;
    const conflict = () =>
      new ApiError("conflict", `template "${definition.name}" already exists in ${definition.language}`, {
        fields: [{ field: "name", in: "body", message: "a template with this name and language already exists" }],
      });
    if (await findTemplateByName(db, projectId, definition.name, definition.language)) throw conflict();
    const { provider } = await providerForProject(db, { config: c.var.config, events: c.env.EVENTS }, projectId);
    const created = await viaProvider(log, "create the template", () => provider.createTemplate(definition));
    const row = await insertTemplate(db, projectId, {
      definition,
      status: created.status,
      rejectedReason: created.rejectedReason,
      providerTemplateId: created.providerTemplateId,
    });
    // Only a concurrent create of the same name gets here; the provider then has it once.
    if (!row) throw conflict();
    log.info("template created", { templateId: row.id, status: row.status });
    return c.json(toTemplate(row), 201);
  })
  .openapi(list, async (c) => {
    const { limit, cursor, status, name } = c.req.valid("query");
    const afterId = decodeCursor(cursor, "string");
    const rows = await listTemplates(c.var.db, c.var.principal.projectId, { status, name }, afterId, limit);
    return c.json(
      toPage(rows, limit, (r) => r.id, toTemplate),
      200,
    );
  })
  .openapi(get, async (c) => {
    const row = await getTemplate(c.var.db, c.var.principal.projectId, c.req.valid("param").id);
    if (!row) throw notFound("template");
    return c.json(toTemplate(row), 200);
  })
  .openapi(remove, async (c) => {
    const { db, log } = c.var;
    const { projectId } = c.var.principal;
    const row = await getTemplate(db, projectId, c.req.valid("param").id);
    if (!row) throw notFound("template");
    const { provider } = await providerForProject(db, { config: c.var.config, events: c.env.EVENTS }, projectId);
    await viaProvider(log, "delete the template", () => provider.deleteTemplate(row.name, row.providerTemplateId));
    const deleted = await deleteTemplate(db, projectId, row.id);
    forgetProjectCampaigns(projectId);
    // A concurrent delete (or a deletion webhook) may have removed it meanwhile: it is gone either way.
    log.info("template deleted", { templateId: row.id });
    return c.json(toTemplate(deleted ?? row), 200);
  })
  .openapi(sync, async (c) => {
    const { db, log } = c.var;
    const { projectId } = c.var.principal;
    const { provider } = await providerForProject(db, { config: c.var.config, events: c.env.EVENTS }, projectId);
    const listed = await viaProvider(log, "list the templates", () => provider.listTemplates());
    const { skipped, ...counts } = await syncTemplates(db, projectId, listed.templates);
    forgetProjectCampaigns(projectId);
    if (skipped.length > 0) log.warn("templates not imported: not representable", { skipped });
    log.info("templates synced", { ...counts });
    return c.json(SyncResultSchema.parse(counts), 200);
  });
