import type { StoredRow } from "./schema";
import type { LedgerStore } from "./store";

/** A message handed out to be sent. */
export interface ClaimedRow {
  slot: number;
  number: string;
  payload: string | null;
  base: number | null;
  /** Provider calls for it, this one included. */
  attempts: number;
}

type Row = Pick<StoredRow, "slot" | "number" | "payload" | "base" | "attempts" | "status">;

/**
 * Hands out up to `limit` queued messages: first those given back unsent (`returned`), then the
 * next ones after the cursor in key order, whose claim is one `claims` row, not a write per
 * message. What one call hands out no other call ever does (at most once).
 */
export function claim(store: LedgerStore, limit: number, at: number): ClaimedRow[] {
  const taken: Row[] = [];
  const back = store.exec<Row & Record<string, SqlStorageValue>>(
    `SELECT m.slot, m.number, m.payload, m.base, m.attempts, m.status
     FROM returned r JOIN messages m ON m.slot = r.slot ORDER BY r.slot LIMIT ?`,
    limit,
  );
  if (back.length > 0) {
    const slots = JSON.stringify(back.map((b) => b.slot));
    store.exec("DELETE FROM returned WHERE slot IN (SELECT value FROM json_each(?))", slots);
    const again = back.filter((b) => b.status === null);
    store.write(again.map((b) => [b.slot, { claimed_at: at, updated_at: at }]));
    taken.push(...again);
  }
  if (taken.length < limit) {
    const fresh = store.exec<Row & Record<string, SqlStorageValue>>(
      "SELECT slot, number, payload, base, attempts, status FROM messages WHERE slot > ? AND status IS NULL ORDER BY slot LIMIT ?",
      store.cursor(),
      limit - taken.length,
    );
    const last = fresh.at(-1);
    if (last) store.advance(last.slot, at);
    taken.push(...fresh);
  }
  return taken.map(({ slot, number, payload, base, attempts }) => ({
    slot,
    number,
    payload,
    base,
    attempts: attempts + 1,
  }));
}

/**
 * Gives back claimed messages that were not sent (no send slot, a pause): queued again, as if
 * never claimed. A message that has moved on since is left alone.
 */
export function unclaim(store: LedgerStore, slots: number[]) {
  const rows = store.rows(slots);
  const sending = [...rows.values()].filter((r) => r.state === "sending").map((r) => r.slot);
  if (sending.length > 0) {
    store.exec(
      "INSERT INTO returned (slot) SELECT value FROM json_each(?) WHERE true ON CONFLICT DO NOTHING",
      JSON.stringify(sending),
    );
  }
  return sending;
}

/**
 * Skips claimed or queued messages that must not be sent now (the contact opted out since the
 * fan-out): `skipped` with the reason, logged as from queued, as the D1 ledger logs them.
 */
export function skip(store: LedgerStore, slots: number[], reason: string, at: number) {
  const rows = [...store.rows(slots).values()].filter((r) => r.status === null);
  store.write(rows.map((r) => [r.slot, { status: "skipped", skip_reason: reason, updated_at: at }]));
  if (rows.length > 0) {
    store.exec(
      "DELETE FROM returned WHERE slot IN (SELECT value FROM json_each(?))",
      JSON.stringify(rows.map((r) => r.slot)),
    );
  }
  store.moved(
    rows.map((r) => [r.slot, "queued", "skipped"]),
    at,
  );
  return rows.map((r) => r.slot);
}
