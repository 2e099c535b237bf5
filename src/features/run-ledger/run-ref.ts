import { sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { runRefSql } from "../../platform/db/schema";

/** The ref of `projectId`'s run `runId` when it keeps its messages in its own object; null otherwise. */
export async function objectRunRef(db: Db, projectId: string, runId: string): Promise<string | null> {
  const row = await db.get<{ ref: string }>(
    sql`SELECT ${sql.raw(runRefSql("r"))} AS ref FROM runs r WHERE r.id = ${runId} AND r.project_id = ${projectId} AND r.ledger = 'object'`,
  );
  return row?.ref ?? null;
}
