import { createRoute, z } from "@hono/zod-openapi";
import { managerOnly } from "../../platform/auth/manager-only";
import { notFound } from "../../platform/errors";
import { router } from "../../platform/http/context";
import { ApiKeySecurity, errorResponses, jsonBody, jsonContent } from "../../platform/http/openapi";
import { decodeCursor, PageQuery, toPage } from "../../platform/http/pagination";
import { cancelRun, pauseRun, resumeRun, retryRun } from "./control";
import { DryRunResponse, handleRunRequest, RunRequestBody, RunResponse, runView, runViews } from "./request";
import { RunSchema, RunStatusSchema } from "./schemas";
import { getRun, listRuns } from "./store";

const TAGS = ["Runs"];

const RunIdParam = z.object({
  runId: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "runId", in: "path" }, example: "run_0192f1a2b3c4d5e6f7a8b9c0" }),
});

const RunListQuery = PageQuery.extend({
  campaignId: z.string().min(1).max(100).optional().openapi({ description: "Only this campaign's runs" }),
  status: RunStatusSchema.optional(),
});

const RunListResponse = z
  .object({ status: z.literal("success"), runs: z.array(RunSchema), nextCursor: z.string().nullable() })
  .openapi("RunList");

const run = createRoute({
  method: "post",
  path: "/run/campaign",
  tags: TAGS,
  summary: "Run a campaign",
  description:
    "Sends the campaign's template to its audiences (`[\"all\"]` for every contact). Each contact gets at most one message per run, however many of the audiences hold it; opted-out contacts and contacts without a sendable value for one of the message's variables are skipped, with the reason. A future `timeToRun` schedules the run; a template not yet approved makes it wait (`waiting_template`) and start on approval. Running a campaign again makes a new run. `dryRun: true` only counts.",
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: jsonBody(RunRequestBody),
  responses: {
    202: jsonContent(RunResponse, "The run, started, waiting for its template, or scheduled"),
    200: jsonContent(DryRunResponse, "A dry run: who would be sent and skipped"),
    ...errorResponses(400, 401, 403, 404, 413, 422),
  },
});

const list = createRoute({
  method: "get",
  path: "/runs",
  tags: TAGS,
  summary: "List runs",
  description: "The project's runs, newest first, scheduled ones included; filters `campaignId` and `status`.",
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: { query: RunListQuery },
  responses: { 200: jsonContent(RunListResponse, "A page of runs"), ...errorResponses(400, 401, 403) },
});

const get = createRoute({
  method: "get",
  path: "/runs/{runId}",
  tags: TAGS,
  summary: "Get a run",
  description: "The run's status (and why), what its fan-out recorded, and its results so far.",
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: { params: RunIdParam },
  responses: { 200: jsonContent(RunResponse, "The run"), ...errorResponses(400, 401, 403, 404) },
});

const action = (name: string, summary: string, description: string) =>
  createRoute({
    method: "post",
    path: `/runs/{runId}/${name}`,
    tags: TAGS,
    summary,
    description,
    security: ApiKeySecurity,
    middleware: managerOnly,
    request: { params: RunIdParam },
    responses: { 200: jsonContent(RunResponse, "The run"), ...errorResponses(400, 401, 403, 404, 409) },
  });

const pause = action(
  "pause",
  "Pause a run",
  "A fanning-out or sending run stops: fan-out stops at its page and queued messages wait. Anything else → 409.",
);
const resume = action(
  "resume",
  "Resume a paused run",
  "Fan-out continues where it stopped and the queued messages are sent. A campaign an account-level error paused is set live again. Anything but a paused run → 409.",
);
const cancel = action(
  "cancel",
  "Cancel a run",
  "A scheduled run is taken off the schedule; a waiting, fanning-out, sending or paused run stops, and its queued messages are skipped with reason `cancelled`. Messages already sent are not recalled. A finished run → 409.",
);
const retry = createRoute({
  method: "post",
  path: "/runs/{runId}/retry",
  tags: TAGS,
  summary: "Retry a run's retryable failures",
  description:
    "A new run (`retryOf` = this run) re-sending exactly this run's messages that failed with a retryable error after all their attempts — never to a number that was sent to (or is being sent to) in this run or any retry of it. 409 when there is nothing to retry.",
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: { params: RunIdParam },
  responses: { 202: jsonContent(RunResponse, "The new run"), ...errorResponses(400, 401, 403, 404, 409) },
});

export const runRoutes = router()
  .openapi(run, async (c) => handleRunRequest(c, c.req.valid("json")))
  .openapi(list, async (c) => {
    const { limit, cursor, campaignId, status } = c.req.valid("query");
    const beforeId = decodeCursor(cursor, "string");
    const rows = await listRuns(c.var.db, c.var.principal.projectId, { campaignId, status }, beforeId, limit);
    const page = toPage(
      rows,
      limit,
      (r) => r.id,
      (r) => r,
    );
    return c.json(
      { status: "success" as const, runs: await runViews(c.env, page.data), nextCursor: page.nextCursor },
      200,
    );
  })
  .openapi(get, async (c) => {
    const row = await getRun(c.var.db, c.var.principal.projectId, c.req.valid("param").runId);
    if (!row) throw notFound("run");
    return c.json({ status: "success" as const, run: await runView(c.env, row) }, 200);
  })
  .openapi(pause, async (c) => {
    const row = await pauseRun({ env: c.env, db: c.var.db }, c.var.principal.projectId, c.req.valid("param").runId);
    c.var.log.info("run paused", { runId: row.id });
    return c.json({ status: "success" as const, run: await runView(c.env, row) }, 200);
  })
  .openapi(resume, async (c) => {
    const row = await resumeRun({ env: c.env, db: c.var.db }, c.var.principal.projectId, c.req.valid("param").runId);
    c.var.log.info("run resumed", { runId: row.id });
    return c.json({ status: "success" as const, run: await runView(c.env, row) }, 200);
  })
  .openapi(cancel, async (c) => {
    const row = await cancelRun({ env: c.env, db: c.var.db }, c.var.principal.projectId, c.req.valid("param").runId);
    c.var.log.info("run cancelled", { runId: row.id });
    return c.json({ status: "success" as const, run: await runView(c.env, row) }, 200);
  })
  .openapi(retry, async (c) => {
    const row = await retryRun({ env: c.env, db: c.var.db }, c.var.principal.projectId, c.req.valid("param").runId);
    c.var.log.info("run retried", { runId: row.id, retryOf: row.retryOf });
    return c.json({ status: "success" as const, run: await runView(c.env, row) }, 202);
  });
