import type { MessageStatus } from "../../platform/db/schema";
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
