import { type SQL, sql } from "drizzle-orm";
import type { Counts } from "../../durable-objects/campaign-stats/counters";
import { foldBefore, HOUR, MINUTE, type RunPoint } from "../../durable-objects/campaign-stats/series";
import type { Db } from "../../platform/db/client";
import { ledgerLog, messages, publicRunIdSql, refOfCampaign, runRefSql } from "../../platform/db/schema";
import { MARKETING_EXPERIMENT_CODE, MARKETING_LIMIT_CODE, NOT_ON_WHATSAPP_CODE, OWN_BUCKET } from "./deltas";
import { API_RUN_ID } from "./record";

/**
 * A campaign's counters, counted again from its messages in D1, per run. Each counter is what the
 * delta rules (./deltas.ts) add up to over a message's life, read from where the message is now:
 * `sent` for every message with a send time (a delivery error keeps it), `delivered` and `read` by
 * their times, a failure by whether it had been sent and by Meta's code, `queued` for every
 * message whose trail (or history) starts queued (one skipped as it was recorded does not); and the
 * time series from the same messages' times. `through` is the last log (or history) row the count
 * saw: the queries and it are read in one D1 transaction.
 */
export async function countFromLedger(
  db: Db,
  campaignId: string,
  now = Date.now(),
): Promise<{ through: number; runs: Record<string, Counts>; series: RunPoint[] }> {
  const count = (condition: SQL) => sql<number>`sum(${condition})`.mapWith(Number);
  // Codes as literals: D1 names a batch's result columns by their text, and drizzle reads a batch's
  // rows by name, so three columns differing only in a bound code would collide into one.
  const code = (value: number) => sql.raw(String(value));
  // A failure counted as a send or delivery error: any code but those with a bucket of their own.
  const ours = sql.raw(`coalesce(error_code, 0) NOT IN (${Object.keys(OWN_BUCKET).join(", ")})`);
  const [watermark, rows, points] = await db.batch([
    // The last log row: the outbox keeps the newest, and migrations/0019 wrote the first above every
    // history row the outbox read before. (History rows written since are not the outbox's.)
    db.select({ id: sql<number | null>`max(${ledgerLog.id})` }).from(ledgerLog),
    db
      .select({
        // Grouped by what the messages carry, named by its run's public id once per group.
        runId: sql<string | null>`${sql.raw(publicRunIdSql('"messages"."run_id"'))}`.as("counts_run"),
        // Queued at some point: its trail starts so, or its history rows say so (a message may be
        // skipped before or after; src/features/messages/trail.ts).
        queued: count(
          sql`(${messages.trail} LIKE 'q%' OR ((${messages.trail} IS NULL OR ${messages.trail} LIKE 'L%') AND EXISTS (SELECT 1 FROM message_events e WHERE e.message_id = ${messages.id} AND e.status = 'queued')))`,
        ),
        sent: count(sql`sent_at IS NOT NULL`),
        delivered: count(sql`delivered_at IS NOT NULL`),
        read: count(sql`read_at IS NOT NULL`),
        sendErrors: count(sql`status = 'failed' AND sent_at IS NULL AND ${ours}`),
        deliveryErrors: count(sql`status = 'failed' AND sent_at IS NOT NULL AND ${ours}`),
        notOnWhatsApp: count(sql`status = 'failed' AND error_code IS ${code(NOT_ON_WHATSAPP_CODE)}`),
        marketingLimited: count(sql`status = 'failed' AND error_code IS ${code(MARKETING_LIMIT_CODE)}`),
        marketingExperiment: count(sql`status = 'failed' AND error_code IS ${code(MARKETING_EXPERIMENT_CODE)}`),
        skipped: count(sql`status = 'skipped'`),
      })
      .from(messages)
      // An API campaign's messages by campaign, a broadcast's by its runs (the messages' indexes).
      .where(ofCampaign(campaignId))
      .groupBy(messages.runId),
    seriesFromLedger(db, campaignId, foldBefore(now)),
  ]);
  const runs: Record<string, Counts> = {};
  for (const { runId, ...counts } of rows) runs[runId ?? API_RUN_ID] = counts;
  const series = points.map(({ runId, ...point }) => ({ ...point, runId: runId ?? API_RUN_ID }));
  return { through: watermark[0]?.id ?? 0, runs, series };
}

// An API campaign's messages by campaign, a broadcast's by its runs (the messages' indexes).
const ofCampaign = (campaignId: string) =>
  sql`(${messages.campaignId} = ${refOfCampaign(campaignId)} AND ${messages.runId} IS NULL)
    OR (${messages.runId} IN (SELECT ${sql.raw(runRefSql("r"))} FROM runs r WHERE r.project_id = (SELECT c.project_id FROM campaigns c WHERE c.id = ${campaignId}) AND r.campaign_id = ${campaignId})
        AND ${messages.runId} IS NOT NULL)`;

/**
 * The campaign's time series from its messages' own times, per run and minute (per hour before
 * `hoursBefore`, where the object keeps hours): sent by `sent_at`, delivered by `delivered_at`,
 * read by `read_at`, failed (a message failed now) by `failed_at`. Each message is read once: the
 * four kinds are a constant table it is joined with (CROSS JOIN keeps messages the outer loop).
 */
export function seriesFromLedger(db: Db, campaignId: string, hoursBefore: number) {
  const bucket = sql.raw(`CASE WHEN t < ${hoursBefore} THEN t - t % ${HOUR} ELSE t - t % ${MINUTE} END`);
  const kind = (n: number, name: string) => sql<number>`sum(kind = ${sql.raw(String(n))})`.mapWith(Number).as(name);
  // A subquery as SQL: drizzle cannot put a raw query with parameters in a D1 batch.
  const moves = sql`(
    SELECT ${messages.runId} AS run_id, k.kind,
           CASE k.kind WHEN 0 THEN ${messages.sentAt} WHEN 1 THEN ${messages.deliveredAt} WHEN 2 THEN ${messages.readAt}
             ELSE iif(${messages.status} = 'failed', coalesce(${messages.failedAt}, ${messages.updatedAt}), NULL) END AS t
    FROM ${messages} CROSS JOIN (SELECT 0 AS kind UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) k
    WHERE ${ofCampaign(campaignId)}) moves`;
  return db
    .select({
      // Grouped by what the messages carry, named by its run's public id once per group.
      runId: sql<string | null>`${sql.raw(publicRunIdSql("moves.run_id"))}`.as("series_run"),
      at: sql<number>`${bucket}`.mapWith(Number).as("series_at"),
      sent: kind(0, "series_sent"),
      delivered: kind(1, "series_delivered"),
      read: kind(2, "series_read"),
      failed: kind(3, "series_failed"),
    })
    .from(moves)
    .where(sql`t IS NOT NULL`)
    .groupBy(sql`run_id`, bucket);
}
