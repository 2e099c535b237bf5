import { createRoute, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { requireApiKey } from "../../platform/auth/api-key";
import { apiKeys, projects } from "../../platform/db/schema";
import { notFound } from "../../platform/errors";
import { router } from "../../platform/http/context";
import { ApiKeySecurity, errorResponses, jsonContent } from "../../platform/http/openapi";
import { iso } from "../../platform/time";
import { ProjectSchema, RoleSchema } from "./schemas";

const WhoAmISchema = z
  .object({
    project: ProjectSchema,
    key: z.object({ id: z.string(), name: z.string(), role: RoleSchema }),
  })
  .openapi("WhoAmI");

const get = createRoute({
  method: "get",
  path: "/",
  tags: ["Project"],
  summary: "The project and key behind the credentials",
  description: "A cheap way for an integration to check its key. Works with either role.",
  security: ApiKeySecurity,
  responses: { 200: jsonContent(WhoAmISchema, "The caller's project and key"), ...errorResponses(401) },
});

export const projectRoutes = router(requireApiKey).openapi(get, async (c) => {
  const { projectId, keyId } = c.var.principal;
  const [project, key] = await c.var.db.batch([
    c.var.db.select().from(projects).where(eq(projects.id, projectId)),
    c.var.db
      .select({ id: apiKeys.id, name: apiKeys.name, role: apiKeys.role })
      .from(apiKeys)
      .where(eq(apiKeys.id, keyId)),
  ]);
  const p = project[0];
  const k = key[0];
  if (!p || !k) throw notFound("project");
  return c.json({ project: { id: p.id, name: p.name, createdAt: iso(p.createdAt) }, key: k }, 200);
});
