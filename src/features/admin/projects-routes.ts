import { createRoute } from "@hono/zod-openapi";
import { and, asc, eq, gt } from "drizzle-orm";
import { projects } from "../../platform/db/schema";
import { notFound } from "../../platform/errors";
import { router } from "../../platform/http/context";
import { AdminSecurity, errorResponses, jsonBody, jsonContent } from "../../platform/http/openapi";
import { decodeCursor, PageQuery, page, toPage } from "../../platform/http/pagination";
import { newId } from "../../platform/ids";
import { iso } from "../../platform/time";
import { CreateProjectBody, ProjectIdParam, ProjectSchema } from "./schemas";

const toProject = (row: typeof projects.$inferSelect) => ({
  id: row.id,
  name: row.name,
  createdAt: iso(row.createdAt),
});

const create = createRoute({
  method: "post",
  path: "/",
  tags: ["Operator"],
  summary: "Create a project",
  security: AdminSecurity,
  request: jsonBody(CreateProjectBody),
  responses: { 201: jsonContent(ProjectSchema, "The new project"), ...errorResponses(400, 401) },
});

const list = createRoute({
  method: "get",
  path: "/",
  tags: ["Operator"],
  summary: "List projects",
  security: AdminSecurity,
  request: { query: PageQuery },
  responses: { 200: jsonContent(page(ProjectSchema), "A page of projects, oldest first"), ...errorResponses(400, 401) },
});

const get = createRoute({
  method: "get",
  path: "/{projectId}",
  tags: ["Operator"],
  summary: "Get a project",
  security: AdminSecurity,
  request: { params: ProjectIdParam },
  responses: { 200: jsonContent(ProjectSchema, "The project"), ...errorResponses(401, 404) },
});

// Behind the operator token: mounted by adminRoutes (./index.ts).
export const adminProjects = router()
  .openapi(create, async (c) => {
    const { name } = c.req.valid("json");
    const row = await c.var.db
      .insert(projects)
      .values({ id: newId("prj"), name, createdAt: Date.now() })
      .returning()
      .get();
    c.var.log.info("project created", { projectId: row.id });
    return c.json(toProject(row), 201);
  })
  .openapi(list, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const after = decodeCursor(cursor, "string");
    const rows = await c.var.db
      .select()
      .from(projects)
      .where(after === undefined ? undefined : gt(projects.id, after))
      .orderBy(asc(projects.id))
      .limit(limit + 1)
      .all();
    return c.json(
      toPage(rows, limit, (r) => r.id, toProject),
      200,
    );
  })
  .openapi(get, async (c) => {
    const { projectId } = c.req.valid("param");
    const row = await c.var.db
      .select()
      .from(projects)
      .where(and(eq(projects.id, projectId)))
      .get();
    if (!row) throw notFound("project");
    return c.json(toProject(row), 200);
  });
