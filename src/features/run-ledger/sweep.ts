import { skip } from "./claims";
import { dayFirstClaims } from "./day";
import { statuses } from "./statuses";
import type { LedgerStore } from "./store";

/** Messages the sweep and a cancel move per call. */
export const SWEEP_PAGE = 500;

/** The failure a message sending for too long gets: the D1 sweep's (src/features/delivery/sweep.ts). */
const UNKNOWN_OUTCOME = {
  code: null,
  title: "Send outcome unknown",
  message:
    "no word from Meta within 10 minutes of the send; not sent again to avoid a duplicate (a later status from Meta still applies)",
};

/**
 * Fails the messages still sending that were claimed before `before` (a consumer lost mid-send, or
 * an unknown outcome Meta never settled), as the D1 sweep does: class `unknown`, never sent again,
 * and still moved on by a later status from Meta. First claims are looked for between the slots
 * the sweep passed already and the last one claimed before `before`, each read once; messages
 * claimed again after a give-back are listed in `reclaimed`. An API day's first claims are its
 * rows' own (./day.ts). Returns how many it failed.
 */
export function sweepSending(store: LedgerStore, before: number, at: number, apiDay = false): number {
  if (apiDay) return failStuck(store, dayFirstClaims(store, before), before, at);
  const swept = store.sweptThrough();
  const [old] = store.exec<{ through: number | null }>(
    "SELECT max(through) AS through FROM claims WHERE at < ?",
    before,
  );
  const through = old?.through ?? swept;
  const first = store.exec<{ slot: number }>(
    `SELECT m.slot FROM messages m WHERE m.slot > ? AND m.slot <= ? AND m.status IS NULL
       AND NOT EXISTS (SELECT 1 FROM returned r WHERE r.slot = m.slot) ORDER BY m.slot LIMIT ?`,
    swept,
    through,
    SWEEP_PAGE,
  );
  const stuck = failStuck(
    store,
    first.map((r) => r.slot),
    before,
    at,
  );
  // Past what it read, unless the page was full: the rest is read next time.
  const passed = first.length < SWEEP_PAGE ? through : (first.at(-1)?.slot ?? swept);
  store.passSwept(passed);
  return stuck;
}

/**
 * Fails `first` (first claims found stuck) and the messages claimed again before `before` and still
 * sending (`reclaimed`), each once; how many.
 */
function failStuck(store: LedgerStore, first: number[], before: number, at: number): number {
  const again = store.exec<{ slot: number; status: string | null }>(
    "SELECT r.slot, m.status FROM reclaimed r JOIN messages m ON m.slot = r.slot WHERE r.at < ? LIMIT ?",
    before,
    SWEEP_PAGE,
  );
  // A message claimed again may be among the first claims too: counted once.
  const stuck = [...new Set([...first, ...again.filter((r) => r.status === null).map((r) => r.slot)])];
  statuses(
    store,
    stuck.map((slot) => ({ slot, change: { status: "failed" as const, at, error: UNKNOWN_OUTCOME } })),
    at,
  );
  if (again.length > 0) {
    store.exec(
      "DELETE FROM reclaimed WHERE slot IN (SELECT value FROM json_each(?))",
      JSON.stringify(again.map((r) => r.slot)),
    );
  }
  return stuck.length;
}

/** Skips up to a page of a cancelled run's messages not handed out yet (reason `cancelled`). */
export function cancelWaiting(store: LedgerStore, reason: string, at: number): number {
  const waiting = store.exec<{ slot: number }>(
    `SELECT slot FROM returned UNION ALL
     SELECT slot FROM (SELECT slot FROM messages WHERE slot > ? AND status IS NULL ORDER BY slot LIMIT ?)
     LIMIT ?`,
    store.cursor(),
    SWEEP_PAGE,
    SWEEP_PAGE,
  );
  return skip(
    store,
    waiting.map((w) => w.slot),
    reason,
    at,
  ).length;
}
