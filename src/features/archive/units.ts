import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { campaignRefSql, refOfCampaign, refOfRun } from "../../platform/db/schema";
import type { Unit } from "./store";

// Which messages make up a unit, and which unit is due next. A run is due once it finished (its
// messages no longer change but for late status webhooks) before the cutoff; an API campaign's
// day once the whole day lies before the cutoff and none of its messages is still waiting to be
// sent (a paused campaign holds its messages queued).

const DAY_MS = 86_400_000;
const FINISHED_RUN = sql.raw("'completed', 'cancelled', 'failed'");
const UNFINISHED_RUN = sql.raw("'scheduled', 'waiting_template', 'fanning_out', 'sending', 'paused'");

/** Message ids begin with their creation time (ms, 12 hex digits): a day is a range of ids. */
export const idAt = (ms: number) => `msg_${Math.max(0, ms).toString(16).padStart(12, "0")}`;

export function dayIdRange(day: string): [string, string] {
  const start = Date.parse(`${day}T00:00:00.000Z`);
  return [idAt(start), idAt(start + DAY_MS)];
}

const MESSAGE_ID = /^msg_([0-9a-f]{12})/;

/** The UTC day a message id was made on, or null for an id of another shape. */
export function dayOfId(id: string): string | null {
  const hex = MESSAGE_ID.exec(id)?.[1];
  return hex ? new Date(Number.parseInt(hex, 16)).toISOString().slice(0, 10) : null;
}

/**
 * The unit's messages, as a condition on `messages m`; served by messages_run or messages_campaign.
 * A run's by run alone: the messages its fan-out recorded leave their campaign to the run.
 */
export function unitWhere(projectId: string, u: Unit): SQL {
  if (u.runId !== null) {
    return sql`m.run_id = ${refOfRun(u.runId)} AND m.project_id = ${projectId}`;
  }
  const [from, to] = dayIdRange(u.day ?? "");
  return sql`m.campaign_id = ${refOfCampaign(u.campaignId)} AND m.run_id IS NULL AND m.id >= ${from} AND m.id < ${to} AND m.project_id = ${projectId}`;
}

/**
 * The oldest finished run not archived yet. A run with a retry still under way is left alone: the
 * retry reads its failures from D1.
 */
async function dueRun(db: Db, projectId: string, before: number): Promise<Unit | null> {
  const rows = await db.all<{ id: string; campaign_id: string }>(sql`
    SELECT r.id, r.campaign_id FROM runs r
    WHERE r.project_id = ${projectId} AND r.status IN (${FINISHED_RUN}) AND r.finished_at < ${before}
      AND NOT EXISTS (SELECT 1 FROM archives a WHERE a.project_id = r.project_id AND a.unit = r.id)
      AND NOT EXISTS (SELECT 1 FROM runs y WHERE y.retry_of = r.id AND y.status IN (${UNFINISHED_RUN}))
    ORDER BY r.finished_at LIMIT 1`);
  const row = rows[0];
  return row ? { campaignId: row.campaign_id, runId: row.id, day: null } : null;
}

/** Days looked at per call; a day skipped (not finished, or archived with rows kept) costs one. */
const DAYS_PER_LOOK = 20;

/**
 * The oldest whole day of an API campaign before the cutoff that is due. Each look finds every API
 * campaign's first message from where that campaign's passed days end (one seek of
 * messages_campaign per campaign) and takes the oldest.
 */
async function dueDay(db: Db, projectId: string, before: number): Promise<Unit | null> {
  const cutoff = idAt(Math.floor(before / DAY_MS) * DAY_MS);
  // Per campaign, the end of its last day looked at and passed over (days are looked at in order).
  const from: Record<string, string> = {};
  for (let look = 0; look < DAYS_PER_LOOK; look++) {
    const rows = await db.all<{ id: string; campaign_id: string }>(sql`
      SELECT x.id, x.campaign_id FROM (
        SELECT c.id AS campaign_id, (SELECT m.id FROM messages m
          WHERE m.campaign_id = ${sql.raw(campaignRefSql("c"))} AND m.run_id IS NULL AND m.project_id = ${projectId}
            AND m.id >= coalesce(json_extract(${JSON.stringify(from)}, '$.' || json_quote(c.id)), ${idAt(0)}) AND m.id < ${cutoff}
          ORDER BY m.id LIMIT 1) AS id
        FROM campaigns c WHERE c.project_id = ${projectId} AND c.kind = 'api') x
      WHERE x.id IS NOT NULL ORDER BY x.id LIMIT 1`);
    const row = rows[0];
    const day = row ? dayOfId(row.id) : null;
    if (!row || day === null) return null;
    const unit: Unit = { campaignId: row.campaign_id, runId: null, day };
    const blocked = await db.all<{ n: number }>(sql`
      SELECT (EXISTS (SELECT 1 FROM archives a WHERE a.project_id = ${projectId} AND a.unit = ${`${unit.campaignId}:${day}`})
        OR EXISTS (SELECT 1 FROM messages m WHERE ${unitWhere(projectId, unit)} AND m.status IN ('queued', 'sending'))) AS n`);
    if (!blocked[0]?.n) return unit;
    from[unit.campaignId] = dayIdRange(day)[1];
  }
  return null;
}

/** The next unit to archive before the cutoff: runs first, then API campaigns' days. */
export async function dueUnit(db: Db, projectId: string, before: number): Promise<Unit | null> {
  return (await dueRun(db, projectId, before)) ?? (await dueDay(db, projectId, before));
}
