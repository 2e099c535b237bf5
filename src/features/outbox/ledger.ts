import { sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import type { MessageStatus, Transition } from "../../platform/db/schema";

// The ledger's history (message_events) is the outbox: every real transition of a message writes
// one history row in the same D1 batch as the change itself, so reading the rows after a watermark
// finds every transition exactly once, whatever crashed after the commit. D1 runs one write at a
// time, so an AUTOINCREMENT id is never committed below one already read: the watermark misses
// nothing.

/** Statuses a message can rest in. `sending` rows (claims, unknown outcomes) and `duplicate`
 * marks are left out: for every counter `sending` counts as `queued`, and a claim's row is written
 * with its outcome, possibly after a webhook already moved the message on. */
const RESTING: MessageStatus[] = ["queued", "sent", "delivered", "read", "failed", "skipped"];
const resting = sql.raw(RESTING.map((s) => `'${s}'`).join(", "));

/** One real transition read from the ledger, with the id of the history row that recorded it. */
export type LedgerTransition = Transition & { eventId: number };

interface Row {
  id: number;
  status: MessageStatus;
  error_code: number | null;
  detail: string | null;
  message_id: string;
  project_id: string;
  campaign_id: string | null;
  run_id: string | null;
  error_message: string | null;
  prev: MessageStatus | null;
  claimed: number;
}

/**
 * Up to `limit` history rows after `after`, as transitions: `from` is the message's previous resting
 * status (null for its first row), shown as `sending` when a claim came between; a row that moves
 * nothing (a retry putting a message back to queued) is dropped. `last` is the id of the last row
 * read, transition or not (null when there was none), and `read` how many rows were read.
 */
export async function readLedger(
  db: Db,
  after: number,
  limit: number,
): Promise<{ last: number | null; read: number; transitions: LedgerTransition[] }> {
  const rows = await db.all<Row>(sql`
    SELECT e.id, e.status, e.error_code, e.detail, m.id AS message_id, m.project_id, m.campaign_id, m.run_id,
           CASE WHEN m.status = 'failed' THEN m.error_message END AS error_message,
           p.status AS prev,
           CASE WHEN p.status = 'queued' THEN EXISTS (SELECT 1 FROM message_events s
             WHERE s.message_id = e.message_id AND s.status = 'sending' AND s.id < e.id AND s.id > p.id) END AS claimed
    FROM message_events e
    JOIN messages m ON m.id = e.message_id
    LEFT JOIN message_events p ON p.id = (
      SELECT q.id FROM message_events q
      WHERE q.message_id = e.message_id AND q.id < e.id AND q.status IN (${resting})
      ORDER BY q.id DESC LIMIT 1)
    WHERE e.id > ${after} AND e.status IN (${resting})
    ORDER BY e.id LIMIT ${limit}`);
  const transitions = rows.flatMap((row): LedgerTransition[] => {
    if (row.prev === row.status) return [];
    // A first row that is not a creation belongs to a message recorded without its history (by
    // code older than the history, or written straight into D1): it was in flight, as `sending`.
    const created = row.status === "queued" || row.status === "skipped";
    const prev = row.prev ?? (created ? null : "sending");
    const from: MessageStatus | null = prev === "queued" && row.claimed ? "sending" : prev;
    return [
      {
        eventId: row.id,
        messageId: row.message_id,
        projectId: row.project_id,
        campaignId: row.campaign_id,
        runId: row.run_id,
        from,
        to: row.status,
        ...(row.status === "failed"
          ? {
              error: {
                code: row.error_code,
                title: row.detail ?? "error",
                message: row.error_message ?? row.detail ?? "",
              },
            }
          : {}),
      },
    ];
  });
  return { last: rows.at(-1)?.id ?? null, read: rows.length, transitions };
}
