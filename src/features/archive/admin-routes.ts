import { createRoute, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { requireAdmin } from "../../platform/auth/admin";
import { archiveJobs } from "../../platform/db/schema";
import { fieldError, notFound } from "../../platform/errors";
import { router } from "../../platform/http/context";
import { AdminSecurity, errorResponses, jsonBody, jsonContent } from "../../platform/http/openapi";
import { decodeCursor, PageQuery, page, toPage } from "../../platform/http/pagination";
import { iso, isoOrNull } from "../../platform/time";
import { sendJobs } from "../../queues/producers";
import { ArchiveStatusSchema, ManifestSchema, TriggerArchiveBody } from "./schemas";
import { archiveJob, listManifests, type ManifestRow, manifestTotals, retentionDays } from "./store";

const ProjectParam = z.object({
  projectId: z.string().openapi({ param: { name: "projectId", in: "path" }, example: "prj_4f1c2a9be0d3e8a7c6b5" }),
});

const toManifest = (row: ManifestRow) => ({
  id: row.id,
  campaignId: row.campaignId,
  runId: row.runId,
  day: row.day,
  key: row.r2Key,
  state: row.state,
  messages: row.messages,
  bytes: row.bytes,
  firstMessageId: row.firstMessageId,
  lastMessageId: row.lastMessageId,
  keptLive: row.keptLive,
  createdAt: iso(row.createdAt),
  prunedAt: isoOrNull(row.prunedAt),
});

const status = createRoute({
  method: "get",
  path: "/{projectId}/archive",
  tags: ["Operator"],
  summary: "A project's archive: retention, the job's progress, totals",
  security: AdminSecurity,
  middleware: [requireAdmin],
  request: { params: ProjectParam },
  responses: { 200: jsonContent(ArchiveStatusSchema, "The archive's state"), ...errorResponses(401, 404) },
});

const manifests = createRoute({
  method: "get",
  path: "/{projectId}/archive/manifests",
  tags: ["Operator"],
  summary: "List a project's archive manifests",
  description: "One per archived run or API campaign day, oldest first, with its R2 object and state.",
  security: AdminSecurity,
  middleware: [requireAdmin],
  request: { params: ProjectParam, query: PageQuery },
  responses: { 200: jsonContent(page(ManifestSchema), "A page of manifests"), ...errorResponses(400, 401, 404) },
});

const trigger = createRoute({
  method: "post",
  path: "/{projectId}/archive",
  tags: ["Operator"],
  summary: "Archive a project now",
  description:
    "Queues the project's archive job at once, instead of at its next hourly look. With `before`, what finished before that time is archived even if it is within the retention.",
  security: AdminSecurity,
  middleware: [requireAdmin],
  request: { params: ProjectParam, ...jsonBody(TriggerArchiveBody) },
  responses: { 202: jsonContent(ArchiveStatusSchema, "The job is queued"), ...errorResponses(400, 401, 404, 413) },
});

async function statusOf(db: Parameters<typeof retentionDays>[0], projectId: string) {
  const days = await retentionDays(db, projectId);
  if (days === null) throw notFound("project");
  const [job, totals] = await Promise.all([archiveJob(db, projectId), manifestTotals(db, projectId)]);
  const of = (state: string) => {
    const t = totals.find((x) => x.state === state);
    return { units: t?.units ?? 0, messages: t?.messages ?? 0, bytes: t?.bytes ?? 0 };
  };
  return {
    retentionDays: days,
    running: (job?.leaseUntil ?? 0) > Date.now(),
    queuedAt: isoOrNull(job?.queuedAt ?? null),
    startedAt: isoOrNull(job?.startedAt ?? null),
    finishedAt: isoOrNull(job?.finishedAt ?? null),
    requestedBefore: isoOrNull(job?.before ?? null),
    error: job?.error ?? null,
    writing: of("writing"),
    written: of("written"),
    pruned: of("pruned"),
  };
}

// Each route checks the operator token itself (mounted at /v1/admin/projects in src/app.ts).
export const archiveAdminRoutes = router()
  .openapi(status, async (c) => c.json(await statusOf(c.var.db, c.req.valid("param").projectId), 200))
  .openapi(manifests, async (c) => {
    const { projectId } = c.req.valid("param");
    const { limit, cursor } = c.req.valid("query");
    if ((await retentionDays(c.var.db, projectId)) === null) throw notFound("project");
    const rows = await listManifests(c.var.db, projectId, decodeCursor(cursor, "number"), limit);
    return c.json(
      toPage(rows, limit, (r) => r.id, toManifest),
      200,
    );
  })
  .openapi(trigger, async (c) => {
    const { projectId } = c.req.valid("param");
    const { before: beforeText } = c.req.valid("json");
    const now = Date.now();
    const before = beforeText === undefined ? undefined : Date.parse(beforeText);
    if (before !== undefined && before > now) throw fieldError("before", "must not be in the future");
    if ((await retentionDays(c.var.db, projectId)) === null) throw notFound("project");
    // The cutoff is left on the row too: a slice already holding the project honours it.
    await c.var.db
      .insert(archiveJobs)
      .values({ projectId, queuedAt: now, before: before ?? null, updatedAt: now })
      .onConflictDoUpdate({
        target: archiveJobs.projectId,
        set: {
          queuedAt: now,
          updatedAt: now,
          before:
            before === undefined ? sql`${archiveJobs.before}` : sql`max(coalesce(${archiveJobs.before}, 0), ${before})`,
        },
      });
    await sendJobs(c.env, [{ kind: "archive", projectId, before }]);
    c.var.log.info("archive requested", { projectId });
    return c.json(await statusOf(c.var.db, projectId), 202);
  });
