import { createRoute, z } from "@hono/zod-openapi";
import { requireApiKey } from "../../platform/auth/api-key";
import { managerOnly } from "../../platform/auth/manager-only";
import { ApiError, fieldError, notFound } from "../../platform/errors";
import { router } from "../../platform/http/context";
import { ApiKeySecurity, errorResponses, jsonBody, jsonContent } from "../../platform/http/openapi";
import { ALL_AUDIENCE } from "../audiences/members";
import { AudienceSchema } from "../audiences/schemas";
import { audienceNamed, getAudience, saveAudience, toAudience } from "../audiences/store";
import { runFailures } from "./failures";
import { addOutcomeMembers } from "./retarget";
import { RetargetBody } from "./schemas";
import { projectRun } from "./store";

const RetargetResponse = z
  .object({
    status: z.literal("success"),
    audience: AudienceSchema,
    matched: z.number().int().openapi({ description: "Recipients of the run with the outcome" }),
    added: z.number().int().openapi({ description: "Of those, contacts not already in the audience" }),
  })
  .openapi("RetargetResult");

const RunIdParam = z.object({
  runId: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "runId", in: "path" } }),
});

const FailuresResponse = z
  .object({
    status: z.literal("success"),
    runId: z.string(),
    failed: z.number().int().openapi({ description: "The run's failed messages" }),
    failures: z.array(
      z.object({
        code: z.number().int().nullable().openapi({ description: "Meta's error code; null when no code came with it" }),
        label: z.string().openapi({ example: "Held by Meta: the person's marketing message limit" }),
        count: z.number().int(),
      }),
    ),
  })
  .openapi("RunFailures");

const failures = createRoute({
  method: "get",
  path: "/runs/{runId}/failures",
  tags: ["Runs"],
  summary: "A run's failures by Meta error code",
  description:
    "How many of the run's messages failed with each Meta error code, most first, each with a plain label. The recipients behind a code: `POST /v1/runs/{runId}/audience` with `outcome: failed` and `errorCode`. Works the same for a run whose messages moved to the archive.",
  security: ApiKeySecurity,
  middleware: [requireApiKey],
  request: { params: RunIdParam },
  responses: { 200: jsonContent(FailuresResponse, "The run's failures"), ...errorResponses(400, 401, 404) },
});

const retarget = createRoute({
  method: "post",
  path: "/runs/{runId}/audience",
  tags: ["Runs"],
  summary: "Make an audience from a run's outcome",
  description:
    "Adds the run's recipients with the given outcome to a list audience (a new `id` creates it; `name` is then required). Works the same for a run whose messages moved to the archive. Contacts deleted since the run are left out. A segment cannot be filled (409).",
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: { params: RunIdParam, ...jsonBody(RetargetBody) },
  responses: {
    201: jsonContent(RetargetResponse, "The audience, filled"),
    ...errorResponses(400, 401, 403, 404, 409, 413),
  },
});

export const retargetRoutes = router()
  .openapi(failures, async (c) => {
    const run = await projectRun(c.var.db, c.var.principal.projectId, c.req.valid("param").runId);
    if (!run) throw notFound("run");
    const groups = await runFailures(c.var.db, c.env, c.var.principal.projectId, run);
    const failed = groups.reduce((sum, g) => sum + g.count, 0);
    return c.json({ status: "success" as const, runId: run.id, failed, failures: groups }, 200);
  })
  .openapi(retarget, async (c) => {
    const { db } = c.var;
    const { projectId } = c.var.principal;
    const body = c.req.valid("json");
    if (body.outcome === "pressed" && body.button === undefined)
      throw fieldError("button", "is required with `pressed`");
    if (body.outcome !== "pressed" && body.button !== undefined) throw fieldError("button", "goes only with `pressed`");
    if (body.outcome !== "failed" && body.errorCode !== undefined) {
      throw fieldError("errorCode", "goes only with `failed`");
    }
    if (body.id === ALL_AUDIENCE)
      throw fieldError("id", "`all` is reserved: it already means every contact of the project");
    const run = await projectRun(db, projectId, c.req.valid("param").runId);
    if (!run) throw notFound("run");
    const existing = await getAudience(db, projectId, body.id);
    if (existing && existing.filter !== null) {
      throw new ApiError("conflict", `audience ${body.id} is a segment: contacts cannot be added to it`);
    }
    if (!existing) {
      if (body.name === undefined) throw fieldError("name", "is required for a new audience");
      const other = await audienceNamed(db, projectId, body.name, body.id);
      if (other !== undefined)
        throw new ApiError("conflict", `an audience named "${body.name}" already exists (id ${other})`);
    }
    const { audience } = await saveAudience(db, projectId, {
      id: body.id,
      name: existing?.name ?? (body.name as string),
      description: existing ? undefined : (body.description ?? null),
      members: [],
    });
    const { matched, added } = await addOutcomeMembers(
      db,
      c.env,
      projectId,
      run,
      audience.pk,
      body.outcome,
      body.button,
      body.errorCode,
    );
    const filled = await getAudience(db, projectId, body.id);
    c.var.log.info("audience from run outcome", { runId: run.id, outcome: body.outcome, matched, added });
    return c.json({ status: "success" as const, audience: toAudience(filled ?? audience), matched, added }, 201);
  });
