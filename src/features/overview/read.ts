import { eq, type SQL, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { campaignRefSql, runRefSql, whatsappAccounts } from "../../platform/db/schema";
import { iso } from "../../platform/time";
import type { StoredNumberState } from "../number-state/state";
import { askEach, runLedger } from "../run-ledger";

export const RECENT_CAMPAIGNS = 5;

/**
 * The overview in one D1 batch of three reads. Messages are found as the messaging limit's window
 * finds them (src/features/messaging-limit/usage.ts): through the project's runs under way in the
 * period and its API campaigns, then the messages_run / messages_campaign indexes by the
 * time-ordered id, so rows read ≈ messages created in the period. Campaigns: the newest few of
 * each kind through campaigns_project, never the whole list.
 */
export async function readOverview(env: Pick<Env, "RUN_LEDGER">, db: Db, projectId: string, since: number) {
  // Message ids start with their creation time in hex (src/platform/ids.ts): the period is an id range.
  const idSince = `msg_${since.toString(16).padStart(12, "0")}`;
  const total = (condition: SQL) => sql<number>`coalesce(sum(${condition}), 0)`.mapWith(Number);
  const [counts, account, recent, objectRuns] = await db.batch([
    db
      .select({
        accepted: sql<number>`count(*)`.mapWith(Number),
        sent: total(sql`t.sent_at IS NOT NULL OR t.delivered_at IS NOT NULL OR t.read_at IS NOT NULL`),
        delivered: total(sql`t.delivered_at IS NOT NULL OR t.read_at IS NOT NULL`),
        read: total(sql`t.read_at IS NOT NULL`),
        failed: total(sql`t.status = 'failed'`),
        pending: total(sql`t.status IN ('queued', 'sending')`),
      })
      .from(sql`(
        SELECT m.status, m.sent_at, m.delivered_at, m.read_at FROM runs r JOIN messages m ON m.run_id = ${sql.raw(runRefSql("r"))}
          WHERE r.project_id = ${projectId} AND r.started_at IS NOT NULL
            AND (r.finished_at IS NULL OR r.finished_at >= ${since}) AND m.id >= ${idSince}
        UNION ALL
        SELECT m.status, m.sent_at, m.delivered_at, m.read_at FROM campaigns c
          JOIN messages m ON m.campaign_id = ${sql.raw(campaignRefSql("c"))} AND m.run_id IS NULL
          WHERE c.project_id = ${projectId} AND c.kind = 'api' AND m.id >= ${idSince}) AS t`),
    db
      .select({
        provider: whatsappAccounts.provider,
        phoneNumberId: whatsappAccounts.phoneNumberId,
        numberState: whatsappAccounts.numberState,
        throughput: whatsappAccounts.throughput,
        holdReason: whatsappAccounts.holdReason,
        holdUntil: whatsappAccounts.holdUntil,
      })
      .from(whatsappAccounts)
      .where(eq(whatsappAccounts.projectId, projectId)),
    db
      .select({
        id: sql<string>`k.id`,
        kind: sql<"api" | "broadcast">`k.kind`,
        name: sql<string>`k.name`,
        status: sql<"live" | "paused">`k.status`,
        createdAt: sql<number>`k.created_at`,
      })
      .from(sql`(
        SELECT * FROM (SELECT id, kind, name, status, created_at FROM campaigns
          WHERE project_id = ${projectId} AND kind = 'api' ORDER BY id DESC LIMIT ${RECENT_CAMPAIGNS})
        UNION ALL
        SELECT * FROM (SELECT id, kind, name, status, created_at FROM campaigns
          WHERE project_id = ${projectId} AND kind = 'broadcast' ORDER BY id DESC LIMIT ${RECENT_CAMPAIGNS})) AS k`)
      .orderBy(sql`k.id DESC`)
      .limit(RECENT_CAMPAIGNS),
    // Runs under way in the period that keep their messages in their own objects: counted there.
    db
      .select({ ref: sql<string>`${sql.raw(runRefSql("r"))}` })
      .from(sql`runs r`)
      .where(
        sql`r.project_id = ${projectId} AND r.ledger = 'object' AND r.started_at IS NOT NULL AND (r.finished_at IS NULL OR r.finished_at >= ${since})`,
      ),
  ]);
  const tallies = await askEach(objectRuns, (r) => runLedger(env, r.ref).tally(projectId, since));
  const c = [counts[0], ...tallies].reduce(
    (sum, t) => ({
      accepted: (sum?.accepted ?? 0) + (t?.accepted ?? 0),
      sent: (sum?.sent ?? 0) + (t?.sent ?? 0),
      delivered: (sum?.delivered ?? 0) + (t?.delivered ?? 0),
      read: (sum?.read ?? 0) + (t?.read ?? 0),
      failed: (sum?.failed ?? 0) + (t?.failed ?? 0),
      pending: (sum?.pending ?? 0) + (t?.pending ?? 0),
    }),
    undefined as (typeof tallies)[0] | undefined,
  );
  const sent = c?.sent ?? 0;
  const delivered = c?.delivered ?? 0;
  const read = c?.read ?? 0;
  const row = account[0];
  const state = row?.numberState as StoredNumberState | null | undefined;
  return {
    today: {
      since: iso(since),
      accepted: c?.accepted ?? 0,
      sent,
      delivered,
      read,
      failed: c?.failed ?? 0,
      pending: c?.pending ?? 0,
      deliveryRate: sent > 0 ? delivered / sent : null,
      readRate: delivered > 0 ? read / delivered : null,
    },
    number: row
      ? {
          provider: row.provider,
          phoneNumberId: row.phoneNumberId,
          displayPhoneNumber: state?.displayPhoneNumber ?? null,
          // The column also holds the throughput level read from Meta: the quality part is there once `at` is.
          quality: state && typeof state.at === "number" ? { event: state.event, updatedAt: iso(state.at) } : null,
          throughput: row.throughput,
          hold: row.holdReason
            ? { reason: row.holdReason, until: row.holdUntil === null ? null : iso(row.holdUntil) }
            : null,
        }
      : null,
    recentCampaigns: recent.map((r) => ({
      id: r.id,
      kind: r.kind,
      name: r.name,
      status: r.status,
      createdAt: iso(r.createdAt),
    })),
  };
}
