import { sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import type { LogEntry, MessageStatus, Transition } from "../../platform/db/schema";

// The ledger's outbox: every D1 batch that moves messages writes one ledger_log row listing its
// moves, committed with them (src/features/messages/log.ts), so reading the rows after a watermark
// finds every transition exactly once, whatever crashed after the commit. D1 runs one write at a
// time, so an AUTOINCREMENT id is never committed below one already read: the watermark misses
// nothing. Before the log (migrations/0019) each transition was a message_events row; those up to
// the migration's boundary are read first, the old way (`readLegacy`), and the log's ids continue
// after them.

/** Statuses a message can rest in. `sending` rows (claims, unknown outcomes) and `duplicate`
 * marks are left out: for every counter `sending` counts as `queued`, and a claim's row is written
 * with its outcome, possibly after a webhook already moved the message on. */
const RESTING: MessageStatus[] = ["queued", "sent", "delivered", "read", "failed", "skipped"];
const resting = sql.raw(RESTING.map((s) => `'${s}'`).join(", "));

/**
 * One real transition read from the ledger, with the id of the history row that recorded it and,
 * when the row has one, its time (Unix ms).
 */
export type LedgerTransition = Transition & { eventId: number; at?: number };

interface Row {
  id: number;
  at: number;
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
 * Up to `limit` history rows after `after` (and up to `through`), as transitions: `from` is the message's previous resting
 * status (null for its first row), shown as `sending` when a claim came between; a row that moves
 * nothing (a retry putting a message back to queued) is dropped. `last` is the id of the last row
 * read, transition or not (null when there was none), and `read` how many rows were read.
 */
export async function readLegacy(
  db: Db,
  after: number,
  limit: number,
  through: number,
): Promise<{ last: number | null; read: number; transitions: LedgerTransition[] }> {
  const rows = await db.all<Row>(sql`
    SELECT e.id, e.at, e.status, e.error_code, e.detail, m.id AS message_id, m.project_id, m.campaign_id, m.run_id,
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
    WHERE e.id > ${after} AND e.id <= ${through} AND e.status IN (${resting})
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
        at: row.at,
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

interface LogRow {
  id: number;
  at: number | null;
  entry: string | null;
  project_id: string | null;
  campaign_id: string | null;
  run_id: string | null;
  error_title: string | null;
  error_message: string | null;
}

/**
 * Up to `limit` ledger_log rows after `after`, as their transitions in order. Each entry carries
 * its message's project, campaign and run, and a failure Meta's code (what it counts as), title
 * and message (src/features/messages/log.ts), so the page reads the log rows alone. Entries
 * written before they carried them (three or four fields) read the message as it is now, and are
 * dropped when it is gone. `last` is the id of the last log row read (null when there was none).
 */
export async function readLog(
  db: Db,
  after: number,
  limit: number,
): Promise<{ last: number | null; read: number; transitions: LedgerTransition[] }> {
  // No ORDER BY: the rows come out in the loops' order, the page's rows by id and each row's
  // entries in order, where sorting them cost D1 a row read per entry. The message is sought only
  // for an older entry: a NULL key seeks nothing.
  const rows = await db.all<LogRow>(sql`
    SELECT l.id, l.at, j.value AS entry, m.project_id, m.campaign_id, m.run_id, m.error_title, m.error_message
    FROM (SELECT id, entries, at FROM ledger_log WHERE id > ${after} ORDER BY id LIMIT ${limit}) l
    LEFT JOIN json_each(l.entries) j
    LEFT JOIN messages m ON m.id = iif(json_array_length(j.value) < 5, j.value ->> '$[0]', NULL)`);
  const transitions: LedgerTransition[] = [];
  const ids = new Set<number>();
  for (const row of rows) {
    ids.add(row.id);
    if (row.entry === null) continue;
    const [messageId, from, to, code, ...refs] = JSON.parse(row.entry) as LogEntry;
    const [projectId, campaignId, runId, errorTitle, errorMessage] =
      refs.length > 0 ? refs : [row.project_id, row.campaign_id, row.run_id, row.error_title, row.error_message];
    if (projectId === null || projectId === undefined) continue;
    transitions.push({
      eventId: row.id,
      ...(row.at === null ? {} : { at: row.at }),
      messageId,
      projectId,
      campaignId: campaignId ?? null,
      runId: runId ?? null,
      from,
      to,
      ...(to === "failed"
        ? {
            error: {
              code: code ?? null,
              title: errorTitle ?? "error",
              message: errorMessage ?? errorTitle ?? "",
            },
          }
        : {}),
    });
  }
  return { last: rows.at(-1)?.id ?? null, read: ids.size, transitions };
}
