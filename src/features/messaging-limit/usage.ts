import { sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { campaignRefSql, runRefSql } from "../../platform/db/schema";

export const WINDOW_MS = 24 * 60 * 60_000;

/**
 * The statement counting the unique recipients the project's portfolio sent to in the 24 hours
 * before `now`: every project on the same WhatsApp Business Account (one portfolio owns it; other
 * accounts of the portfolio are not seen from here), broadcast runs that were under way in the
 * window and API campaigns' messages created in it. A number counts once however many messages it
 * got. Every sent message counts, although Meta does not count those answering a customer inside
 * their service window: the figure errs high, so a run never starts over the limit on our count.
 *
 * Cost: one read, through the runs' and API campaigns' message indexes (messages_run,
 * messages_campaign by the time-ordered id): rows read ≈ messages sent in the window.
 */
export function recipientsInWindowQuery(projectId: string, now: number) {
  const since = now - WINDOW_MS;
  // Message ids start with their creation time in hex (src/platform/ids.ts): the window is an id range.
  const idSince = `msg_${since.toString(16).padStart(12, "0")}`;
  return sql`
    WITH portfolio AS (
      SELECT ${projectId} AS project_id
      UNION SELECT a.project_id FROM whatsapp_accounts a
        WHERE a.waba_id = (SELECT w.waba_id FROM whatsapp_accounts w WHERE w.project_id = ${projectId}))
    SELECT count(*) + (
      -- Runs that keep their messages in their own objects (src/features/run-ledger) have none
      -- here: each counts every recipient it queued, numbers shared with other runs included, so
      -- the figure still errs high.
      SELECT coalesce(sum(r.queued), 0) FROM runs r
        WHERE r.ledger = 'object' AND r.project_id IN (SELECT project_id FROM portfolio) AND r.started_at IS NOT NULL
          AND (r.finished_at IS NULL OR r.finished_at >= ${since})
    ) AS recipients FROM (
      SELECT m.number FROM runs r JOIN messages m ON m.run_id = ${sql.raw(runRefSql("r"))}
        WHERE r.project_id IN (SELECT project_id FROM portfolio) AND r.started_at IS NOT NULL
          AND (r.finished_at IS NULL OR r.finished_at >= ${since}) AND m.sent_at >= ${since}
      UNION
      SELECT m.number FROM campaigns c JOIN messages m ON m.campaign_id = ${sql.raw(campaignRefSql("c"))} AND m.run_id IS NULL
        WHERE c.project_id IN (SELECT project_id FROM portfolio) AND c.kind = 'api'
          AND m.id >= ${idSince} AND m.sent_at >= ${since})`;
}

export async function recipientsInWindow(db: Db, projectId: string, now = Date.now()): Promise<number> {
  const [row] = await db.all<{ recipients: number }>(recipientsInWindowQuery(projectId, now));
  return row?.recipients ?? 0;
}
