import type { MessageStatus } from "../../platform/db/schema";
import { MARKETING_LIMIT_CODE } from "../../whatsapp/errors";
import { PAYLOAD } from "./claims";
import { type LedgerRow, stateSql } from "./schema";
import type { LedgerStore } from "./store";

/** Longest page a read hands back. */
export const MAX_PAGE = 500;

/**
 * Up to `limit` messages after `after` in key order, with their state; only those in `states` when
 * given (the filter runs on the state, so a page may read more rows than it returns).
 */
export function page(store: LedgerStore, after: number, limit: number, states?: MessageStatus[]): LedgerRow[] {
  const wanted = states ? JSON.stringify(states) : null;
  return store.exec<LedgerRow & Record<string, SqlStorageValue>>(
    `SELECT * FROM (SELECT m.*, ${stateSql(String(store.cursor()))} FROM messages m WHERE m.slot > ?1 ORDER BY m.slot)
     WHERE ?2 IS NULL OR state IN (SELECT value FROM json_each(?2)) LIMIT ?3`,
    after,
    wanted,
    Math.min(Math.max(1, limit), MAX_PAGE),
  );
}

/** A message's whole payload (JSON) with the template it names (an API day's: its ref), if it has one. */
export function payloadOf(store: LedgerStore, slot: number): { payload: string; template: string | null } | null {
  const [row] = store.exec<{ payload: string | null; template: string | null }>(
    `SELECT ${PAYLOAD} AS payload, m.template FROM messages m WHERE m.slot = ?`,
    slot,
  );
  return row?.payload ? { payload: row.payload, template: row.template } : null;
}

/**
 * Failed messages after `after` in key order, with their whole payload: those whose failure was
 * retryable, or (`marketingLimited`) held by Meta's marketing limit. A retry reads them once; the
 * scan reads every message of the run over its pages.
 */
export function failures(store: LedgerStore, after: number, limit: number, marketingLimited: boolean) {
  return store.exec<{ slot: number; number: string; payload: string | null }>(
    `SELECT m.slot, m.number, ${PAYLOAD} AS payload FROM messages m
     WHERE m.slot > ? AND m.status = 'failed' AND iif(?, m.error_code = ${MARKETING_LIMIT_CODE}, m.error_class = 'retryable')
     ORDER BY m.slot LIMIT ?`,
    after,
    marketingLimited ? 1 : 0,
    Math.min(Math.max(1, limit), MAX_PAGE),
  );
}

/**
 * Delivered messages by what Meta charged (`billing`) and the UTC day (days since the epoch) each
 * was delivered: one grouped scan, for a billing report.
 */
export function billing(store: LedgerStore) {
  return store.exec<{ billing: string | null; day: number; count: number }>(
    "SELECT billing, delivered_at / 86400000 AS day, count(*) AS count FROM messages WHERE delivered_at IS NOT NULL GROUP BY 1, 2",
  );
}

/**
 * Messages recorded since `since`, counted as the overview counts D1's (accepted, reached sent,
 * delivered, read; failed; still queued or sending); zeros without a store.
 */
export function tally(store: LedgerStore | null, since: number) {
  const zero = { accepted: 0, sent: 0, delivered: 0, read: 0, failed: 0, pending: 0 };
  if (!store) return zero;
  const [row] = store.exec<typeof zero>(
    `SELECT count(*) AS accepted,
            coalesce(sum(sent_at IS NOT NULL OR delivered_at IS NOT NULL OR read_at IS NOT NULL), 0) AS sent,
            coalesce(sum(delivered_at IS NOT NULL OR read_at IS NOT NULL), 0) AS delivered,
            coalesce(sum(read_at IS NOT NULL), 0) AS read,
            coalesce(sum(status = 'failed'), 0) AS failed,
            coalesce(sum(status IS NULL), 0) AS pending
     FROM messages WHERE created_at >= ?`,
    since,
  );
  return row ?? zero;
}

/**
 * The slots in (`after`, `through`] whose message reached sent, delivered or read (`received`), or
 * read (`read`): a segment's behaviour condition over one window of contacts
 * (src/features/audiences/behaviour-reach.ts). A range of the key, so a window costs its own rows.
 */
export function reached(store: LedgerStore, after: number, through: number, what: "received" | "read"): number[] {
  return store
    .exec<{ slot: number }>(
      `SELECT slot FROM messages WHERE slot > ? AND slot <= ? AND status IN ${what === "read" ? "('read')" : "('sent', 'delivered', 'read')"}`,
      after,
      through,
    )
    .map((r) => r.slot);
}

/** The numbers sent to since `since` (the messaging limit's window). */
export function sentSince(store: LedgerStore, since: number): string[] {
  return store.exec<{ number: string }>("SELECT number FROM messages WHERE sent_at >= ?", since).map((r) => r.number);
}

/**
 * Which of `numbers` a message reached sent, delivered or read (`received`), or read (`read`): an
 * API day's answer to a segment's window (its messages are keyed by arrival, not by contact). A
 * scan of the object's messages, probing the window's numbers.
 */
export function reachedNumbers(store: LedgerStore, numbers: string[], what: "received" | "read"): string[] {
  if (numbers.length === 0) return [];
  return store
    .exec<{ number: string }>(
      `SELECT DISTINCT number FROM messages WHERE status IN ${what === "read" ? "('read')" : "('sent', 'delivered', 'read')"}
         AND number IN (SELECT value FROM json_each(?))`,
      JSON.stringify(numbers),
    )
    .map((r) => r.number);
}
