import { sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { campaignRefSql, runRefSql } from "../../platform/db/schema";
import { askEach, runLedger } from "../run-ledger";

export const WINDOW_MS = 24 * 60 * 60_000;

/** The JSON list of numbers runs kept in objects sent to, past which they are added, not merged. */
const MAX_OBJECT_NUMBERS_BYTES = 1_000_000;

/**
 * The statement counting the unique recipients the project's portfolio sent to in the 24 hours
 * before `now`: every project on the same WhatsApp Business Account (one portfolio owns it; other
 * accounts of the portfolio are not seen from here), broadcast runs that were under way in the
 * window and API campaigns' messages created in it. A number counts once however many messages it
 * got. Every sent message counts, although Meta does not count those answering a customer inside
 * their service window: the figure errs high, so a run never starts over the limit on our count.
 * `objectNumbers`: what runs kept in their own objects sent to in the window (./usage.ts
 * `recipientsInWindow` asks them), as one JSON list merged into the count; `objectExtra`: what such
 * runs sent beyond a list too long to pass, added as it is (errs high).
 *
 * Cost: one read, through the runs' and API campaigns' message indexes (messages_run,
 * messages_campaign by the time-ordered id): rows read ≈ messages sent in the window.
 */
export function recipientsInWindowQuery(projectId: string, now: number, objectNumbers = "[]", objectExtra = 0) {
  const since = now - WINDOW_MS;
  // Message ids start with their creation time in hex (src/platform/ids.ts): the window is an id range.
  const idSince = `msg_${since.toString(16).padStart(12, "0")}`;
  return sql`
    WITH portfolio AS (${portfolio(projectId)})
    SELECT count(*) + ${objectExtra} AS recipients FROM (
      SELECT m.number FROM runs r JOIN messages m ON m.run_id = ${sql.raw(runRefSql("r"))}
        WHERE r.project_id IN (SELECT project_id FROM portfolio) AND r.started_at IS NOT NULL
          AND (r.finished_at IS NULL OR r.finished_at >= ${since}) AND m.sent_at >= ${since}
      UNION
      SELECT m.number FROM campaigns c JOIN messages m ON m.campaign_id = ${sql.raw(campaignRefSql("c"))} AND m.run_id IS NULL
        WHERE c.project_id IN (SELECT project_id FROM portfolio) AND c.kind = 'api'
          AND m.id >= ${idSince} AND m.sent_at >= ${since}
      UNION
      SELECT value FROM json_each(${objectNumbers}))`;
}

/** The project and every project on the same WhatsApp Business Account, as `project_id` rows. */
const portfolio = (projectId: string) =>
  sql`SELECT ${projectId} AS project_id
      UNION SELECT a.project_id FROM whatsapp_accounts a
        WHERE a.waba_id = (SELECT w.waba_id FROM whatsapp_accounts w WHERE w.project_id = ${projectId})`;

/**
 * Unique recipients of the portfolio in the 24 hours before `now` (`recipientsInWindowQuery`).
 * Runs kept in their own objects (src/features/run-ledger) are asked for the numbers they sent to
 * in the window, one call per run under way in it, so a number two such runs reached counts once.
 */
export async function recipientsInWindow(
  env: Pick<Env, "RUN_LEDGER">,
  db: Db,
  projectId: string,
  now = Date.now(),
): Promise<number> {
  const since = now - WINDOW_MS;
  const runs = await db.all<{ ref: string; project_id: string }>(sql`
    WITH portfolio AS (${portfolio(projectId)})
    SELECT coalesce(r.ref, r.id) AS ref, r.project_id FROM runs r
    WHERE r.ledger = 'object' AND r.project_id IN (SELECT project_id FROM portfolio) AND r.started_at IS NOT NULL
      AND (r.finished_at IS NULL OR r.finished_at >= ${since})`);
  const lists = await askEach(runs, (r) => runLedger(env, r.ref).sentSince(r.project_id, since));
  const numbers = [...new Set(lists.flat())];
  let json = JSON.stringify(numbers);
  let extra = 0;
  if (json.length > MAX_OBJECT_NUMBERS_BYTES) {
    json = "[]";
    extra = numbers.length;
  }
  const [row] = await db.all<{ recipients: number }>(recipientsInWindowQuery(projectId, now, json, extra));
  return row?.recipients ?? 0;
}
