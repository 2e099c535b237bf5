import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, eq, gt } from "drizzle-orm";
import { requireApiKey, requireRole } from "../../platform/auth/api-key";
import { ApiError, notFound } from "../../platform/errors";
import { router } from "../../platform/http/context";
import { ApiKeySecurity, errorResponses, jsonBody, jsonContent } from "../../platform/http/openapi";
import { decodeCursor, PageQuery, page, toPage } from "../../platform/http/pagination";
import { iso } from "../../platform/time";
import { type DefinitionKind, DefinitionName } from "./definitions";
import { forgetSnapshot } from "./snapshot";

export function definitionRoutes(kind: DefinitionKind) {
  const Item = z
    .object({
      name: z.string().openapi({ example: kind.noun === "tag" ? "vip" : "city" }),
      createdAt: z.iso.datetime(),
    })
    .openapi(kind.plural.slice(0, -1));
  const NameParam = z.object({ name: DefinitionName.openapi({ param: { name: "name", in: "path" } }) });
  const toItem = (row: { name: string; createdAt: number }) => ({ name: row.name, createdAt: iso(row.createdAt) });
  const { table, noun } = kind;

  const create = createRoute({
    method: "post",
    path: "/",
    tags: [kind.plural],
    summary: `Define a ${noun}`,
    security: ApiKeySecurity,
    middleware: [requireRole("manager")],
    request: jsonBody(z.object({ name: DefinitionName }).openapi(`Create${kind.plural.slice(0, -1)}`)),
    responses: {
      201: jsonContent(Item, `The new ${noun}`),
      ...errorResponses(400, 401, 403, 409),
    },
  });

  const list = createRoute({
    method: "get",
    path: "/",
    tags: [kind.plural],
    summary: `List the project's ${noun}s`,
    description: "Readable with either role, so that a sending integration can see which names exist.",
    security: ApiKeySecurity,
    request: { query: PageQuery },
    responses: { 200: jsonContent(page(Item), `A page of ${noun}s, by name`), ...errorResponses(400, 401) },
  });

  const remove = createRoute({
    method: "delete",
    path: "/{name}",
    tags: [kind.plural],
    summary: `Delete a ${noun}`,
    description: `Also removes the ${noun} from every contact that had it.`,
    security: ApiKeySecurity,
    middleware: [requireRole("manager")],
    request: { params: NameParam },
    responses: { 200: jsonContent(Item, `The deleted ${noun}`), ...errorResponses(401, 403, 404) },
  });

  return router(requireApiKey)
    .openapi(create, async (c) => {
      const { name } = c.req.valid("json");
      const row = await c.var.db
        .insert(table)
        .values({ projectId: c.var.principal.projectId, name, createdAt: Date.now() })
        .onConflictDoNothing()
        .returning()
        .get();
      if (!row) throw new ApiError("conflict", `${noun} "${name}" already exists`);
      forgetSnapshot(c.var.principal.projectId);
      return c.json(toItem(row), 201);
    })
    .openapi(list, async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const after = decodeCursor(cursor, "string");
      const rows = await c.var.db
        .select()
        .from(table)
        .where(
          and(eq(table.projectId, c.var.principal.projectId), after === undefined ? undefined : gt(table.name, after)),
        )
        .orderBy(asc(table.name))
        .limit(limit + 1)
        .all();
      return c.json(
        toPage(rows, limit, (r) => r.name, toItem),
        200,
      );
    })
    .openapi(remove, async (c) => {
      const { name } = c.req.valid("param");
      const row = await c.var.db
        .delete(table)
        .where(and(eq(table.projectId, c.var.principal.projectId), eq(table.name, name)))
        .returning()
        .get();
      if (!row) throw notFound(noun);
      forgetSnapshot(c.var.principal.projectId);
      return c.json(toItem(row), 200);
    });
}
