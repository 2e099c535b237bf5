import { readConfig } from "../../platform/config";
import { createDb } from "../../platform/db/client";
import { databaseBytes } from "../../platform/db/size";
import { createLogger, logLevel } from "../../platform/log";
import { storageReport } from "./report";
import { recentSamples, recordSample } from "./store";

/**
 * Run by the every-minute cron: records the database's size, and once an hour, when the database
 * is near its ceiling or filling fast, tells the operator through the log at error level (where
 * Workers Logs alerts and `wrangler tail` see it) and through `GET /v1/admin/storage`.
 */
export async function sampleStorage(env: Env, now = Date.now()) {
  const log = createLogger({ task: "storage" }, logLevel(env));
  const db = createDb(env.DB);
  const bytes = await databaseBytes(env.DB);
  const firstOfHour = await recordSample(db, bytes, now);
  if (!firstOfHour) return null;
  const report = storageReport(bytes, await recentSamples(db, now), now, readConfig(env));
  if (report.warning) {
    log.error("the database is nearing its ceiling", {
      bytes: report.bytes,
      limitBytes: report.limitBytes,
      growthBytesPerDay: report.growthBytesPerDay,
      daysLeft: report.daysLeft,
      reasons: report.reasons,
    });
  }
  return report;
}
