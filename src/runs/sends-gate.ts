import { inArray } from "drizzle-orm";
import type { Db } from "../db/client";
import { runs } from "../db/schema";
import type { RunStatus } from "./schemas";

/**
 * What the sends consumer does with a run's message, from the run's status: a paused run keeps
 * its messages queued (resume re-enqueues them), a cancelled run's messages are skipped, anything
 * else sends. One query for every run of a batch.
 */
export async function runStatuses(db: Db, runIds: string[]): Promise<Map<string, RunStatus>> {
  if (runIds.length === 0) return new Map();
  const rows = await db
    .select({ id: runs.id, status: runs.status })
    .from(runs)
    .where(inArray(runs.id, [...new Set(runIds)]))
    .all();
  return new Map(rows.map((r) => [r.id, r.status]));
}
