import { createRoute, z } from "@hono/zod-openapi";
import { managerOnly } from "../../platform/auth/manager-only";
import { ApiError, fieldError, notFound } from "../../platform/errors";
import { router } from "../../platform/http/context";
import { ApiKeySecurity, errorResponses, jsonBody, jsonContent } from "../../platform/http/openapi";
import { ALL_AUDIENCE } from "../audiences/members";
import { AudienceSchema } from "../audiences/schemas";
import { audienceNamed, getAudience, saveAudience, toAudience } from "../audiences/store";
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

const retarget = createRoute({
  method: "post",
  path: "/runs/{runId}/audience",
  tags: ["Runs"],
  summary: "Make an audience from a run's outcome",
  description:
    "Adds the run's recipients with the given outcome to a list audience (a new `id` creates it; `name` is then required). Works the same for a run whose messages moved to the archive. Contacts deleted since the run are left out. A segment cannot be filled (409).",
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: {
    params: z.object({
      runId: z
        .string()
        .min(1)
        .max(64)
        .openapi({ param: { name: "runId", in: "path" } }),
    }),
    ...jsonBody(RetargetBody),
  },
  responses: {
    201: jsonContent(RetargetResponse, "The audience, filled"),
    ...errorResponses(400, 401, 403, 404, 409, 413),
  },
});

export const retargetRoutes = router().openapi(retarget, async (c) => {
  const { db } = c.var;
  const { projectId } = c.var.principal;
  const body = c.req.valid("json");
  if (body.outcome === "pressed" && body.button === undefined) throw fieldError("button", "is required with `pressed`");
  if (body.outcome !== "pressed" && body.button !== undefined) throw fieldError("button", "goes only with `pressed`");
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
    c.env.FILES,
    projectId,
    run,
    audience.pk,
    body.outcome,
    body.button,
  );
  const filled = await getAudience(db, projectId, body.id);
  c.var.log.info("audience from run outcome", { runId: run.id, outcome: body.outcome, matched, added });
  return c.json({ status: "success" as const, audience: toAudience(filled ?? audience), matched, added }, 201);
});
