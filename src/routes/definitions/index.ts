import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, eq, gt, inArray } from "drizzle-orm";
import { requireApiKey, requireRole } from "../../auth/api-key";
import { forgetSnapshot } from "../../contacts/snapshot";
import type { Db } from "../../db/client";
import { attributes, tags } from "../../db/schema";
import { router } from "../../http/context";
import { ApiKeySecurity, errorResponses, jsonBody, jsonContent } from "../../http/openapi";
import { decodeCursor, PageQuery, page, toPage } from "../../http/pagination";
import { ApiError, notFound } from "../../lib/errors";
import { iso } from "../../lib/time";

// Tags and attributes are both per-project vocabularies: a name defined by a manager before
// contacts may carry it. Their tables have the same columns, so one module serves both.
type DefinitionTable = typeof tags;

export interface DefinitionKind {
  table: DefinitionTable;
  noun: "tag" | "attribute";
  plural: "Tags" | "Attributes";
}

export const TAGS: DefinitionKind = { table: tags, noun: "tag", plural: "Tags" };
export const ATTRIBUTES: DefinitionKind = {
  table: attributes as unknown as DefinitionTable,
  noun: "attribute",
  plural: "Attributes",
};

export const DefinitionName = z
  .string()
  .trim()
  .min(1)
  .max(64)
  // `*`, not `+`: an empty name is reported once, by `min(1)`, not also as a control character.
  .regex(/^[^\p{Cc}]*$/u, "must not contain control characters")
  // As a key of a parsed object `__proto__` sets the prototype instead of a value, so an attribute
  // of that name could be defined but never set.
  .refine((name) => name !== "__proto__", "is reserved");

// D1 allows at most 100 bound parameters in one statement; one more is the project id.
const NAMES_PER_QUERY = 99;

/** Looks up which of `names` are defined; the rest are reported back as ignored. */
export async function resolveDefinitions(db: Db, kind: DefinitionKind, projectId: string, names: string[]) {
  const unique = [...new Set(names)];
  const chunks: string[][] = [];
  for (let i = 0; i < unique.length; i += NAMES_PER_QUERY) chunks.push(unique.slice(i, i + NAMES_PER_QUERY));
  const found = await Promise.all(
    chunks.map((chunk) =>
      db
        .select({ id: kind.table.id, name: kind.table.name })
        .from(kind.table)
        .where(and(eq(kind.table.projectId, projectId), inArray(kind.table.name, chunk)))
        .all(),
    ),
  );
  const ids = new Map(found.flat().map((r) => [r.name, r.id]));
  return { ids, ignored: unique.filter((n) => !ids.has(n)) };
}

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
