import { z } from "@hono/zod-openapi";
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { attributes, tags } from "../../platform/db/schema";

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
  // The Cc (control) category spelled out, without the `u` flag: the OpenAPI generator publishes
  // a regex with its flags appended (`…$/u`), which no client can use. `*`, not `+`: an empty name
  // is reported once, by `min(1)`, not also as a control character.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  .regex(/^[^\x00-\x1F\x7F-\x9F]*$/, "must not contain control characters")
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
