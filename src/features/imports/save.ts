import { and, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../../platform/db/client";
import { imports } from "../../platform/db/schema";
import type { Reject } from "./rows";
import type { ImportRow } from "./store";
import { membersStatements, rejectsStatements, valuesStatements } from "./writes";

// How a chunk's writes apply exactly once. A D1 batch is one transaction, but a compare-and-set
// that matches no row is not an error and rolls nothing back: the rows written beside it stay. So
// every statement of a batch carries the same condition — the import is still active at the offset
// this copy read — and the statement that moves the offset comes last (a statement after it would
// see the new offset and write nothing). Either the import was where this copy left it and the
// whole batch applies, or another copy moved it and nothing does.

/** The statuses of an import that still moves; a copy of a chunk of any other writes nothing. */
export const ACTIVE_STATUSES = ["queued", "running"] as const satisfies ImportRow["status"][];

/** Where the import stands: what has been written, and where the file is to be read next. */
export interface Position {
  bytesRead: number;
  lines: number;
  rowsDone: number;
  rowsRejected: number;
  header: string[] | null;
}

/** Where the import's rows go: the audience and/or variable group, by primary key. */
export interface Targets {
  audiencePk: number | null;
  groupPk: number | null;
}

/** One batch of a chunk: the rows read since `from`, and the position they lead to. */
export interface Flush {
  from: number;
  to: Position;
  /** The accepted rows, as JSON lists (PendingRows in rows.ts). */
  rows: string[];
  /** The variables the rows' values are of, in their order in a row. */
  fields: string[];
  rejects: Reject[];
  /** The last batch of its chunk: the next chunk's job carries `to.bytesRead`. */
  endsChunk: boolean;
  /** The end of the file: the import is completed. */
  final: boolean;
}

/** True, inside a statement, while the import is active and has read exactly `bytesRead` bytes. */
const stillAt = (importId: string, bytesRead: number): SQL =>
  sql`EXISTS (SELECT 1 FROM ${imports} WHERE ${imports.id} = ${importId} AND ${imports.bytesRead} = ${bytesRead} AND ${inArray(imports.status, ACTIVE_STATUSES)})`;

/**
 * Writes one batch of a chunk and moves the import to its new position, all or nothing. Returns
 * false when another copy of the chunk (a redelivery, a duplicate job) moved the import first:
 * nothing was written, and this copy must stop.
 */
export async function saveBatch(db: Db, row: ImportRow, targets: Targets, flush: Flush): Promise<boolean> {
  const now = Date.now();
  const onlyIf = stillAt(row.id, flush.from);
  const writes: BatchItem<"sqlite">[] = [];
  if (targets.audiencePk !== null) {
    writes.push(...membersStatements(db, row.projectId, targets.audiencePk, row.kind, flush.rows, now, onlyIf));
  }
  if (targets.groupPk !== null)
    writes.push(...valuesStatements(db, targets.groupPk, flush.fields, flush.rows, now, onlyIf));
  if (flush.rejects.length > 0) writes.push(...rejectsStatements(db, row.id, flush.rejects, onlyIf));
  const move = db
    .update(imports)
    .set({
      ...flush.to,
      ...(flush.endsChunk ? { chunkOffset: flush.to.bytesRead } : {}),
      status: flush.final ? "completed" : "running",
      finishedAt: flush.final ? now : null,
      updatedAt: now,
    })
    .where(and(eq(imports.id, row.id), eq(imports.bytesRead, flush.from), inArray(imports.status, ACTIVE_STATUSES)))
    .returning({ id: imports.id });
  const statements: BatchItem<"sqlite">[] = [...writes, move];
  const results: readonly unknown[] = await db.batch(statements as unknown as Parameters<typeof db.batch>[0]);
  return (results.at(-1) as { id: string }[]).length === 1;
}

/**
 * Marks an import failed for good and drops its file, keeping what was imported — unless the
 * chunk that failed is no longer the import's current one (a late copy must not fail an import
 * that went on without it). Returns whether it did.
 */
export async function failImport(db: Db, env: Env, row: ImportRow, chunkOffset: number, error: string) {
  const now = Date.now();
  const failed = await db
    .update(imports)
    .set({ status: "failed", error, finishedAt: now, updatedAt: now })
    .where(and(eq(imports.id, row.id), eq(imports.chunkOffset, chunkOffset), inArray(imports.status, ACTIVE_STATUSES)))
    .returning({ id: imports.id });
  if (failed.length === 0) return false;
  await env.FILES.delete(row.r2Key);
  return true;
}
