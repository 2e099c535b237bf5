import { and, inArray, lt } from "drizzle-orm";
import { createDb } from "../../platform/db/client";
import { imports } from "../../platform/db/schema";
import { createLogger, logLevel } from "../../platform/log";
import type { ImportJob } from "../../queues/contracts";
import { sendJobs } from "../../queues/producers";
import { ACTIVE_STATUSES } from "./save";

// A chunk saves its position every few seconds, and a failing one is retried within 5 minutes
// (queues/backoff.ts). An import that has not moved for twice that lost its job: the Worker stopped
// between writing the import and queueing its first chunk, or between a chunk's last batch and
// queueing the next one. Re-queueing a chunk that is in fact still on the queue is harmless: only one
// copy's batches apply (save.ts).
export const STALLED_IMPORT_MS = 10 * 60_000;
// Each re-queued import is a chunk of up to 50,000 rows; stalled imports are rare, and the next
// minute takes the rest.
export const SWEEP_IMPORTS_LIMIT = 100;

/**
 * The every-minute safety net for imports: each import queued or running that stopped moving gets
 * the job of the chunk it stopped in again. Claiming them (updated_at set to now) in the statement
 * that finds them means overlapping sweeps, or the next minute's, do not queue them again; if the
 * send then fails, they are stalled again STALLED_IMPORT_MS later.
 */
export async function sweepStalledImports(env: Env, now = Date.now()) {
  const db = createDb(env.DB);
  const stalled = await db
    .update(imports)
    .set({ updatedAt: now })
    .where(
      inArray(
        imports.id,
        db
          .select({ id: imports.id })
          .from(imports)
          .where(and(inArray(imports.status, ACTIVE_STATUSES), lt(imports.updatedAt, now - STALLED_IMPORT_MS)))
          .limit(SWEEP_IMPORTS_LIMIT),
      ),
    )
    .returning({ importId: imports.id, projectId: imports.projectId, offset: imports.chunkOffset });
  const jobs: ImportJob[] = stalled.map((row) => ({ kind: "import", ...row }));
  await sendJobs(env, jobs);
  if (jobs.length > 0) {
    const log = createLogger({ task: "sweep" }, logLevel(env));
    log.warn("re-queued stalled imports", { imports: jobs.length });
  }
  return { requeued: jobs.length };
}
