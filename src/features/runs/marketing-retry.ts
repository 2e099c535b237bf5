// The opt-in retry of a run's recipients Meta held for their per-user marketing limit (131049).
// Meta asks to wait at least a day before trying such a person again; a Queue delays at most
// 12 hours, so the wait is kept in D1 instead: a run that opted in (`retry_marketing_limited`)
// is picked up by the every-minute sweep once it has been completed for a day, and a retry run of
// kind marketing_limited re-sends its 131049 failures — never to a number that was sent to in the
// chain meanwhile. Once: the retry run does not opt in again, and a unique index lets one retry per
// run exist whatever sweeps overlap.

import { and, asc, eq, lte, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { isUniqueViolation } from "../../platform/db/errors";
import { runs } from "../../platform/db/schema";
import { ApiError } from "../../platform/errors";
import type { Logger } from "../../platform/log";
import { MARKETING_LIMIT_RETRY_SECONDS } from "../../whatsapp/errors";
import { hasRetryCandidates } from "./retry";
import { startRun } from "./start";

export const MARKETING_RETRY_DELAY_MS = MARKETING_LIMIT_RETRY_SECONDS * 1000;
/** Runs a sweep starts retries for; the rest wait for the next minute. */
const LIMIT = 20;

/** Completed runs owing their marketing-limit retry for at least a day, oldest first (a partial index). */
export function dueMarketingRetries(db: Db, now: number) {
  return db
    .select()
    .from(runs)
    .where(
      and(
        sql`${runs.retryMarketingLimited} = 1`,
        eq(runs.status, "completed"),
        lte(runs.finishedAt, now - MARKETING_RETRY_DELAY_MS),
      ),
    )
    .orderBy(asc(runs.finishedAt))
    .limit(LIMIT)
    .all();
}

/** Starts the due retries; a run with no 131049 recipient left (or no campaign) owes nothing more. */
export async function startMarketingRetries(env: Env, db: Db, now: number, log?: Logger): Promise<number> {
  let started = 0;
  for (const run of await dueMarketingRetries(db, now)) {
    if (await hasRetryCandidates(env, db, run, "marketing_limited")) {
      try {
        const retry = await startRun(
          { env, db },
          {
            projectId: run.projectId,
            campaignId: run.campaignId,
            audiences: (run.audiences as string[]) ?? [],
            retryOf: run.id,
            retryKind: "marketing_limited",
          },
        );
        started += 1;
        log?.info("marketing-limit retry started", { runId: retry.id, retryOf: run.id });
      } catch (err) {
        // Started by an overlapping sweep, or the campaign is gone: either way nothing more is owed.
        if (!isUniqueViolation(err) && !(err instanceof ApiError && err.code === "not_found")) throw err;
      }
    }
    await db.update(runs).set({ retryMarketingLimited: 0 }).where(eq(runs.id, run.id));
  }
  return started;
}
