import { and, asc, eq, gt } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { importRejects, imports } from "../../platform/db/schema";

export type ImportRow = typeof imports.$inferSelect;

export const r2KeyOf = (projectId: string, importId: string) => `imports/${projectId}/${importId}.csv`;

export async function getImport(db: Db, projectId: string, importId: string): Promise<ImportRow | undefined> {
  return db
    .select()
    .from(imports)
    .where(and(eq(imports.projectId, projectId), eq(imports.id, importId)))
    .get();
}

/** A project's imports, oldest first; ids start with the creation time, so they sort by it. */
export async function listImports(db: Db, projectId: string, afterId: string | undefined, limit: number) {
  return db
    .select()
    .from(imports)
    .where(and(eq(imports.projectId, projectId), afterId === undefined ? undefined : gt(imports.id, afterId)))
    .orderBy(asc(imports.id))
    .limit(limit + 1);
}

/** One page of an import's rejects, by line. The caller has checked the import is the project's. */
export async function listRejects(db: Db, importId: string, afterLine: number, limit: number) {
  return db
    .select({ line: importRejects.line, number: importRejects.number, reason: importRejects.reason })
    .from(importRejects)
    .where(and(eq(importRejects.importId, importId), gt(importRejects.line, afterLine)))
    .orderBy(asc(importRejects.line))
    .limit(limit + 1);
}
