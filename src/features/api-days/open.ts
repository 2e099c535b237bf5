import { sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { runs } from "../../platform/db/schema";
import { newId } from "../../platform/ids";

/** Milliseconds in a day: an API day is a UTC day, numbered from the epoch. */
export const DAY_MS = 86_400_000;

/** The UTC day (days since the epoch) of `at`. */
export const dayOf = (at: number) => Math.floor(at / DAY_MS);

/** An API campaign's day kept in its own object: its row in `runs` and the ref naming the object. */
export interface OpenDay {
  runId: string;
  ref: string;
}

/**
 * The ledger of `campaignId`'s `day` when its project keeps API messages in objects (its own
 * `api_messages`, else `deployment`), opened on first use; null when the project keeps them in D1.
 * One statement; concurrent first sends open one row (the unique `runs_api_day`).
 *
 * The row is a run's row (`runs.api_day` set): its ref names the object and the messages' ids
 * (`msg_r<ref>.<slot>`) as a run's do, so a message by id, statuses, outcomes, the overview, the
 * messaging limit and the sweep find it as they find a run's. It stays `fanning_out` while the day
 * takes sends, and is closed by the sweep (./close.ts).
 */
export async function openDay(
  db: Db,
  projectId: string,
  campaignId: string,
  day: number,
  deployment: "d1" | "object",
  now = Date.now(),
): Promise<OpenDay | null> {
  const chosen = sql`(SELECT coalesce(p.api_messages, ${deployment}) = 'object' FROM projects p WHERE p.id = ${projectId})`;
  // Columns in the table's order: id, ref, ledger, api_day, project_id, campaign_id, status,
  // status_reason, audiences, time_to_run, retry_of, retry_kind, retry_marketing_limited,
  // limit_policy, cursor, queued, skipped, created_at, started_at, fanned_out_at, finished_at,
  // updated_at, swept_at.
  // The no-op update on conflict makes RETURNING answer for a day opened before too: one statement.
  const rows = await db
    .insert(runs)
    .select(
      sql`SELECT ${newId("run")}, CAST((SELECT coalesce(max(rowid), 0) + 1 FROM runs) AS TEXT), 'object', ${day},
             ${projectId}, ${campaignId}, 'fanning_out', NULL, '[]', NULL, NULL, NULL, 0, 'send', NULL, 0, 0,
             ${now}, ${now}, NULL, NULL, ${now}, NULL
          WHERE ${chosen}`,
    )
    .onConflictDoUpdate({
      target: [runs.campaignId, runs.apiDay],
      targetWhere: sql`api_day IS NOT NULL`,
      set: { updatedAt: sql`${runs.updatedAt}` },
    })
    .returning({ id: runs.id, ref: runs.ref });
  const row = rows[0];
  return row?.ref ? { runId: row.id, ref: row.ref } : null;
}
