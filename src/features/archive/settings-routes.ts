import { createRoute } from "@hono/zod-openapi";
import { requireApiKey, requireRole } from "../../platform/auth/api-key";
import { notFound } from "../../platform/errors";
import { router } from "../../platform/http/context";
import { ApiKeySecurity, errorResponses, jsonBody, jsonContent } from "../../platform/http/openapi";
import { SettingsSchema, UpdateSettingsBody } from "./schemas";
import { retentionDays, setRetentionDays } from "./store";

const get = createRoute({
  method: "get",
  path: "/",
  tags: ["Project"],
  summary: "The project's settings",
  security: ApiKeySecurity,
  responses: { 200: jsonContent(SettingsSchema, "The settings"), ...errorResponses(401, 404) },
});

const update = createRoute({
  method: "patch",
  path: "/",
  tags: ["Project"],
  summary: "Change the project's settings",
  description:
    "`retentionDays`: how long finished runs and API campaigns' days stay in D1 before they move to the archive in R2, where they can still be read.",
  security: ApiKeySecurity,
  middleware: [requireRole("manager")],
  request: jsonBody(UpdateSettingsBody),
  responses: { 200: jsonContent(SettingsSchema, "The settings, changed"), ...errorResponses(400, 401, 403, 404, 413) },
});

export const settingsRoutes = router(requireApiKey)
  .openapi(get, async (c) => {
    const days = await retentionDays(c.var.db, c.var.principal.projectId);
    if (days === null) throw notFound("project");
    return c.json({ retentionDays: days }, 200);
  })
  .openapi(update, async (c) => {
    const { retentionDays: wanted } = c.req.valid("json");
    const days = await setRetentionDays(c.var.db, c.var.principal.projectId, wanted);
    if (days === null) throw notFound("project");
    c.var.log.info("project settings changed", { retentionDays: days });
    return c.json({ retentionDays: days }, 200);
  });
