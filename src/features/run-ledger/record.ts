import type { LedgerMove } from "./schema";
import type { LedgerStore } from "./store";

/** One recipient of a fan-out page, as the object records it. */
export interface RecordedRecipient {
  /** The contact's row number: the message's key in its run. */
  slot: number;
  number: string;
  /**
   * What this recipient's message adds to its base, JSON (an RFC 7396 patch,
   * src/features/messages/payload.ts), or the whole message when `base` is null; null: skipped.
   */
  payload: string | null;
  /** The key of the page's base the payload adds to (`bases`). */
  base: string | null;
  /** Why the message is not sent (opted out, ...); null: it is queued. */
  skipReason: string | null;
}

/**
 * Records a page, each slot once: a slot already recorded (the page recorded again, a person in
 * two audiences) keeps its message. `bases` are the page's shared payloads, [key, body]: stored
 * once per content. Pages come in key order (the fan-out merges the run's audiences by contact),
 * so a new slot lies above every claim; one below the cursor would never be handed out, and is
 * refused rather than lost. Returns the slots recorded, by status.
 */
export function record(store: LedgerStore, bases: [string, string][], page: RecordedRecipient[], at: number) {
  if (bases.length > 0) {
    store.exec(
      "INSERT INTO bases (key, body) SELECT j.value ->> 0, j.value ->> 1 FROM json_each(?) j WHERE true ON CONFLICT (key) DO NOTHING",
      JSON.stringify(bases),
    );
  }
  const cursor = store.cursor();
  const added = store.exec<{ slot: number; skipped: number }>(
    `INSERT INTO messages (slot, number, status, payload, base, skip_reason, created_at, updated_at)
     SELECT j.value ->> '$.slot', j.value ->> '$.number', iif(j.value ->> '$.skipReason' IS NULL, NULL, 'skipped'),
            j.value ->> '$.payload', (SELECT b.id FROM bases b WHERE b.key = j.value ->> '$.base'),
            j.value ->> '$.skipReason', ?1, ?1
     FROM json_each(?2) j WHERE true
     ON CONFLICT DO NOTHING RETURNING slot, skip_reason IS NOT NULL AS skipped`,
    at,
    JSON.stringify(page),
  );
  const below = added.find((a) => a.slot <= cursor && !a.skipped);
  if (below) {
    throw new Error(`slot ${below.slot} recorded below the claims' cursor (${cursor}): pages must come in key order`);
  }
  const queued = added.filter((a) => !a.skipped).map((a) => a.slot);
  store.wait(queued.length);
  store.exec(
    "UPDATE counts SET recorded_queued = recorded_queued + ?, recorded_skipped = recorded_skipped + ?",
    queued.length,
    added.length - queued.length,
  );
  const moves = added.map((a): LedgerMove => [a.slot, null, a.skipped ? "skipped" : "queued"]);
  store.moved(moves, at);
  const { recorded_queued, recorded_skipped } = store.counts();
  return {
    queued,
    skipped: added.filter((a) => a.skipped).map((a) => a.slot),
    /** Everything recorded so far, this page included: the run's counters in D1 follow it. */
    recorded: { queued: recorded_queued, skipped: recorded_skipped },
  };
}
