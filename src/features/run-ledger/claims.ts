import type { LedgerStore } from "./store";

/** A message handed out to be sent. */
export interface ClaimedRow {
  slot: number;
  number: string;
  /** The whole message to send (src/whatsapp/provider.ts OutboundMessage), JSON. */
  payload: string;
  /** Provider calls for it, this one included. */
  attempts: number;
}

/** The whole payload of row `m`: its patch applied to its base, completed with its number. */
export const PAYLOAD = `CASE WHEN m.base IS NULL THEN m.payload
  ELSE json_patch(json_set((SELECT b.body FROM bases b WHERE b.id = m.base), '$.to', m.number), m.payload) END`;

type Row = { slot: number; number: string; payload: string; attempts: number; status: string | null };

/** Claims the number's governor released and no claim used yet stop counting after this long. */
export const PERMIT_TTL_MS = 30_000;

/**
 * Releases up to `limit` claims for the number's governor to put on the sends queue: as many as
 * are waiting and not already released. Released claims that no consumer used within the TTL (a
 * queue message gone to the dead letters) are released again.
 */
export function permit(store: LedgerStore, limit: number, at: number) {
  const counts = store.counts();
  const permitted = at - counts.permitted_at > PERMIT_TTL_MS ? 0 : counts.permitted;
  const granted = Math.max(0, Math.min(limit, counts.waiting - permitted));
  if (granted > 0) store.exec("UPDATE counts SET permitted = ?, permitted_at = ?", permitted + granted, at);
  return { granted, unsettled: counts.queued };
}

/**
 * Takes given-back messages (`returned`) to be sent again: the first `limit` of them, or those of
 * `slots`. Each is claimed with its own time and listed in `reclaimed` for the sweep; one settled
 * meanwhile is only taken off the list.
 */
export function takeBack(store: LedgerStore, at: number, pick: { limit: number } | { slots: number[] }): Row[] {
  const back = store.exec<Row>(
    `SELECT m.slot, m.number, ${PAYLOAD} AS payload, m.attempts, m.status
     FROM returned r JOIN messages m ON m.slot = r.slot
     ${"slots" in pick ? "WHERE r.slot IN (SELECT value FROM json_each(?))" : ""} ORDER BY r.slot LIMIT ?`,
    ...("slots" in pick ? [JSON.stringify(pick.slots), pick.slots.length] : [pick.limit]),
  );
  if (back.length === 0) return [];
  store.exec(
    "DELETE FROM returned WHERE slot IN (SELECT value FROM json_each(?))",
    JSON.stringify(back.map((b) => b.slot)),
  );
  const again = back.filter((b) => b.status === null);
  store.write(again.map((b) => [b.slot, { claimed_at: at, updated_at: at }]));
  if (again.length > 0) {
    store.exec(
      "INSERT INTO reclaimed (slot, at) SELECT value, ? FROM json_each(?) WHERE true ON CONFLICT (slot) DO UPDATE SET at = excluded.at",
      at,
      JSON.stringify(again.map((b) => b.slot)),
    );
  }
  return again;
}

/** A claimed row as the sender takes it: its attempts count this claim. */
const handedOut = ({ slot, number, payload, attempts }: Row): ClaimedRow => ({
  slot,
  number,
  payload,
  attempts: attempts + 1,
});

/**
 * Hands out up to `limit` queued messages: first those given back unsent (`returned`), then the
 * next ones after the cursor in key order, whose claim is one `claims` row, not a write per
 * message. What one call hands out no other call ever does (at most once). An API day's messages
 * are claimed when recorded (./day.ts): only its given-back ones are ever handed out here.
 */
export function claim(store: LedgerStore, limit: number, at: number, apiDay = false): ClaimedRow[] {
  const taken = takeBack(store, at, { limit });
  if (taken.length < limit && !apiDay) {
    // `claimed_at IS NULL` holds for every row above a run's cursor; it keeps a row claimed on its
    // own (an API day's) from being handed out twice, whatever called this.
    const fresh = store.exec<Row>(
      `SELECT m.slot, m.number, ${PAYLOAD} AS payload, m.attempts, m.status FROM messages m
       WHERE m.slot > ? AND m.status IS NULL AND m.claimed_at IS NULL ORDER BY m.slot LIMIT ?`,
      store.cursor(),
      limit - taken.length,
    );
    const last = fresh.at(-1);
    if (last) store.advance(last.slot, at);
    taken.push(...fresh);
  }
  store.exec("UPDATE counts SET waiting = waiting - ?, permitted = max(0, permitted - ?)", taken.length, limit);
  return taken.map(handedOut);
}

/** Claims the given-back messages among `slots` (a queue job naming them): each handed out once. */
export function reclaim(store: LedgerStore, slots: number[], at: number): ClaimedRow[] {
  const taken = takeBack(store, at, { slots: [...new Set(slots)] });
  store.wait(-taken.length);
  return taken.map(handedOut);
}

/** Lists claimed messages as waiting again, to be handed out by the next claim. */
export function giveBack(store: LedgerStore, slots: number[]) {
  if (slots.length === 0) return;
  store.exec(
    "INSERT INTO returned (slot, at) SELECT value, ? FROM json_each(?) WHERE true ON CONFLICT DO NOTHING",
    Date.now(),
    JSON.stringify(slots),
  );
  store.wait(slots.length);
}

/**
 * Gives back claimed messages that were not sent (no send slot, a pause): queued again, as if
 * never claimed. A message that has moved on since is left alone.
 */
export function unclaim(store: LedgerStore, slots: number[]) {
  const rows = store.rows(slots);
  const sending = [...rows.values()].filter((r) => r.state === "sending").map((r) => r.slot);
  giveBack(store, sending);
  return sending;
}

/**
 * Skips unsettled messages that must not be sent (the contact opted out since the fan-out):
 * `skipped` with the reason, logged as from queued, as the D1 ledger logs them.
 */
export function skip(store: LedgerStore, slots: number[], reason: string, at: number) {
  const rows = [...store.rows(slots).values()].filter((r) => r.status === null);
  store.write(rows.map((r) => [r.slot, { status: "skipped", skip_reason: reason, updated_at: at }]));
  const waiting = rows.filter((r) => r.state === "queued").map((r) => r.slot);
  if (waiting.length > 0) {
    store.exec("DELETE FROM returned WHERE slot IN (SELECT value FROM json_each(?))", JSON.stringify(waiting));
    store.wait(-waiting.length);
  }
  store.moved(
    rows.map((r) => [r.slot, "queued", "skipped"]),
    at,
  );
  return rows.map((r) => r.slot);
}
