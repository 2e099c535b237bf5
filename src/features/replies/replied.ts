import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { refOfCampaign, refOfRun } from "../../platform/db/schema";

// Whether a recipient replied to a campaign's message: they wrote to us (any inbound message,
// quoting ours or not) within a day of its delivery, or answered that very message. Every inbound
// message is a `responses` row (src/features/inbound/handle.ts, bulk.ts), so this is read from responses alone,
// through the (project, number) index: a person's own inbound messages, a handful of rows each.
// The run's analytics and a retargeted `replied` audience both ask here, so they always agree.

/** How long after delivery an inbound message counts as a reply: WhatsApp's service window. */
export const REPLY_WINDOW_MS = 24 * 60 * 60 * 1000;

/** A message as the reply test needs it: `at` is when it was delivered (or read, the delivery lost). */
interface Replyable {
  id: SQL;
  number: SQL;
  runId: SQL;
  at: SQL;
}

/**
 * SQL: the message was replied to. A response linked to it (through its id, or, for a run's
 * message, to its run by the same number: a run sends one message per number) counts whenever it
 * came; any other counts when it came within the window after delivery. Undelivered messages have
 * no `at`, so only a linked response makes them replied.
 */
export function repliedSql(projectId: string, m: Replyable): SQL {
  return sql`EXISTS (SELECT 1 FROM responses r
    WHERE r.project_id = ${projectId} AND r.number = ${m.number}
      AND (r.message_id = ${m.id} OR r.run_id = ${m.runId}
        OR (r.received_at >= ${m.at} AND r.received_at <= ${m.at} + ${REPLY_WINDOW_MS})))`;
}

/** A message of `messages m` in the scope's run (`runId`, its public id as responses keep it), or of no run. */
const live = (runId: string | null): Replyable => ({
  id: sql.raw("m.id"),
  number: sql.raw("m.number"),
  runId: sql`${runId}`,
  at: sql.raw("coalesce(m.delivered_at, m.read_at)"),
});

/** How many of a run's messages in D1 were replied to: one read through the run's index. */
export async function countRepliedLive(
  db: Db,
  projectId: string,
  scope: { runId: string } | { campaignId: string },
): Promise<number> {
  const where =
    "runId" in scope
      ? sql`m.run_id = ${refOfRun(scope.runId)}`
      : sql`m.campaign_id = ${refOfCampaign(scope.campaignId)} AND m.run_id IS NULL`;
  const row = await db.get<{ replied: number }>(sql`
    SELECT count(*) AS replied FROM messages m
    WHERE ${where} AND m.project_id = ${projectId} AND ${repliedSql(projectId, live("runId" in scope ? scope.runId : null))}`);
  return row?.replied ?? 0;
}

export interface DeliveredMessage {
  id: string;
  number: string;
  deliveredAt: number | null;
  readAt: number | null;
}

/**
 * The ids among `batch` (messages of run `runId`, or of an API campaign when null, wherever they
 * are kept) that were replied to: one statement, the batch as one JSON parameter.
 */
export async function repliedAmong(
  db: Db,
  projectId: string,
  runId: string | null,
  batch: readonly DeliveredMessage[],
): Promise<Set<string>> {
  if (batch.length === 0) return new Set();
  const list = batch.map((m) => [m.id, m.number, m.deliveredAt ?? m.readAt]);
  const rows = await db.all<{ id: string }>(sql`
    SELECT j.value ->> '$[0]' AS id FROM json_each(${JSON.stringify(list)}) j
    WHERE ${repliedSql(projectId, {
      id: sql.raw("j.value ->> '$[0]'"),
      number: sql.raw("j.value ->> '$[1]'"),
      runId: sql`${runId}`,
      at: sql.raw("j.value ->> '$[2]'"),
    })}`);
  return new Set(rows.map((r) => r.id));
}
