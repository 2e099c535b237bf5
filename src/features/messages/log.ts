import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { ledgerLog, type MessageStatus } from "../../platform/db/schema";

// How a D1 batch that moves messages records its moves for the outbox (src/features/outbox): each
// statement that moves rows stamps them with the batch's token (`tx`), and the batch's last
// statement writes ONE ledger_log row listing the planned moves whose message carries the token —
// exactly the moves that happened, whatever a compare-and-set refused, committed with them or not
// at all. One row per batch of up to hundreds of messages, where a history row per move cost a
// row and an index entry each.

/** One move: [message id, from (null: just recorded), to, Meta's error code for a failure]. */
export type Move = [string, MessageStatus | null, MessageStatus, (number | null)?];

/** A log entry (`LogEntry`, src/platform/db/schema/messages.ts) as SQL (`id`, `from`, `to`, `code`: SQL of the move's fields; `m`: the message). */
const entry = (id: SQL, from: SQL, to: SQL, code: SQL) =>
  sql`json_array(${id}, ${from}, ${to}, ${code}, m.project_id, m.campaign_id, m.run_id,
      iif(${to} = 'failed', m.error_title, NULL), iif(${to} = 'failed', m.error_message, NULL))`;

/** A batch's token: random, so a row stamped by an earlier batch never passes for this one's. */
export function newTx(): number {
  const [high, low] = crypto.getRandomValues(new Uint32Array(2)) as unknown as [number, number];
  // 47 bits: a safe integer, bound as one, and the most SQLite stores in 6 bytes where a larger
  // one takes 8. Every message row keeps its last token, so the 2 bytes are 2 a message; a stale
  // token equal to a batch's own is still a 1 in 10^14 chance.
  return (high & 0x7fff) * 2 ** 32 + low;
}

// The list is the join's outer loop (SQLite reads json_each in order and seeks each message by its
// key), so a message's moves keep their order in the row without an ORDER BY and its temporary
// B-tree, which D1 would bill as rows read.
// The row carries the time the batch is built (its statements run right after): the minute its
// moves count in, in the campaigns' time series.
const insertLog = (db: Db, entries: SQL) =>
  db
    .insert(ledgerLog)
    .select(sql`SELECT NULL, json_group_array(json(v)), ${Date.now()} FROM (${entries}) HAVING count(*) > 0`);

/** The ledger_log row for `moves` whose message this batch stamped with `tx` (none: no row). */
export function logMoves(db: Db, tx: number, moves: Move[]) {
  return insertLog(
    db,
    sql`SELECT ${entry(sql`m.id`, sql`j.value ->> '$[1]'`, sql`j.value ->> '$[2]'`, sql`j.value ->> '$[3]'`)} AS v
        FROM json_each(${JSON.stringify(moves)}) j
        JOIN messages m ON m.id = j.value ->> '$[0]' WHERE m.tx = ${tx}`,
  );
}

/**
 * The ledger_log row for the messages among `ids` this batch stamped with `tx` and moved to `to`,
 * when which of them moved is decided in SQL (an opt-out found at the claim). It must follow the
 * statement that moved them, directly: when that one changed no row (`changes()`, the same
 * connection in a D1 batch), the list is read as empty, so the common claim in which nobody
 * opted out reads nothing here, where it read the id list and every message (two rows each).
 */
export function logStamped(db: Db, tx: number, ids: string[], from: MessageStatus, to: MessageStatus) {
  return insertLog(
    db,
    sql`SELECT ${entry(sql`m.id`, sql`${from}`, sql`${to}`, sql`NULL`)} AS v FROM json_each(iif(changes() > 0, ${JSON.stringify(ids)}, '[]')) j
        JOIN messages m ON m.id = j.value WHERE m.tx = ${tx} AND +m.status = ${to}`,
  );
}

/** The ledger_log row for the messages among `ids` this batch recorded (stamped with `tx`), as created in the status they have. */
export function logRecorded(db: Db, tx: number, ids: string[]) {
  return insertLog(
    db,
    sql`SELECT ${entry(sql`m.id`, sql`NULL`, sql`m.status`, sql`NULL`)} AS v FROM json_each(${JSON.stringify(ids)}) j
        JOIN messages m ON m.id = j.value WHERE m.tx = ${tx}`,
  );
}
