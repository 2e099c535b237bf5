import { sql } from "drizzle-orm";
import { readConfig } from "../../platform/config";
import { createDb } from "../../platform/db/client";
import { databaseBytes } from "../../platform/db/size";
import { createLogger, logLevel } from "../../platform/log";
import type { ArchiveJob } from "../../queues/contracts";
import { sendJobs } from "../../queues/producers";
import { storageReport } from "./report";
import { recentSamples, recordSample } from "./store";

const DAY_MS = 86_400_000;

/**
 * Archives early: every project whose retention is longer than STORAGE_EARLY_ARCHIVE_DAYS gets an
 * archive job for what finished before then (docs/archive.md), instead of waiting for its own
 * retention. Returns how many projects were asked.
 */
async function archiveEarly(env: Env, db: ReturnType<typeof createDb>, now: number, days: number) {
  const rows = await db.all<{ id: string }>(sql`SELECT id FROM projects WHERE retention_days > ${days}`);
  const before = now - days * DAY_MS;
  const jobs: ArchiveJob[] = rows.map((row) => ({ kind: "archive", projectId: row.id, before }));
  await sendJobs(env, jobs);
  return jobs.length;
}

/**
 * Run by the every-minute cron: records the database's size, and once an hour, when the database
 * is near its ceiling or filling fast, tells the operator through the log at error level (where
 * Workers Logs alerts and `wrangler tail` see it) and through `GET /v1/admin/storage`, and
 * archives early so that the database does not reach its ceiling while the operator decides.
 */
export async function sampleStorage(env: Env, now = Date.now()) {
  const log = createLogger({ task: "storage" }, logLevel(env));
  const db = createDb(env.DB);
  const bytes = await databaseBytes(env.DB);
  const firstOfHour = await recordSample(db, bytes, now);
  if (!firstOfHour) return null;
  const config = readConfig(env);
  const report = storageReport(bytes, await recentSamples(db, now), now, config);
  if (report.warning) {
    const archiving = await archiveEarly(env, db, now, config.STORAGE_EARLY_ARCHIVE_DAYS);
    log.error("the database is nearing its ceiling", {
      archivingEarly: { projects: archiving, olderThanDays: config.STORAGE_EARLY_ARCHIVE_DAYS },
      bytes: report.bytes,
      limitBytes: report.limitBytes,
      growthBytesPerDay: report.growthBytesPerDay,
      daysLeft: report.daysLeft,
      reasons: report.reasons,
    });
  }
  return report;
}
