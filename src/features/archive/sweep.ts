import { sql } from "drizzle-orm";
import { createDb, type Db } from "../../platform/db/client";
import { createLogger, logLevel } from "../../platform/log";
import type { ArchiveJob } from "../../queues/contracts";
import { sendJobs } from "../../queues/producers";

// Each project is looked at once an hour: a day's retention is coarse, and a slice that found
// nothing due costs a few queries. The same minute sweep also restarts a project whose job was
// lost (a slice that failed for good): its manifests say where to resume.
export const ARCHIVE_EVERY_MS = 60 * 60_000;
// Projects queued per minute; the next minute takes the rest.
export const SWEEP_PROJECTS_LIMIT = 100;

/**
 * Marks up to SWEEP_PROJECTS_LIMIT projects not looked at for ARCHIVE_EVERY_MS (and not under way)
 * as queued now, in the statement that finds them, so an overlapping sweep does not queue them
 * again; returns their ids.
 */
export async function claimDueProjects(db: Db, now: number): Promise<string[]> {
  const rows = await db.all<{ project_id: string }>(sql`
    INSERT INTO archive_jobs (project_id, queued_at, updated_at)
    SELECT p.id, ${now}, ${now} FROM projects p LEFT JOIN archive_jobs j ON j.project_id = p.id
    WHERE j.project_id IS NULL
       OR (coalesce(j.queued_at, 0) < ${now - ARCHIVE_EVERY_MS} AND coalesce(j.lease_until, 0) < ${now})
    LIMIT ${SWEEP_PROJECTS_LIMIT}
    ON CONFLICT (project_id) DO UPDATE SET queued_at = excluded.queued_at, updated_at = excluded.updated_at
    RETURNING project_id`);
  return rows.map((r) => r.project_id);
}

/** The every-minute part of archiving: a job for each project due a look. */
export async function sweepArchives(env: Env, now = Date.now()) {
  const projectIds = await claimDueProjects(createDb(env.DB), now);
  const jobs: ArchiveJob[] = projectIds.map((projectId) => ({ kind: "archive", projectId }));
  await sendJobs(env, jobs);
  if (jobs.length > 0)
    createLogger({ task: "sweep" }, logLevel(env)).debug("queued archive jobs", { projects: jobs.length });
  return { queued: jobs.length };
}
