import type { LedgerMove } from "./schema";
import type { LedgerStore } from "./store";

/** One recipient of a fan-out page, as the object records it. */
export interface RecordedRecipient {
  /** The contact's row number: the message's key in its run. */
  slot: number;
  number: string;
  /** What this recipient's message adds to its shared base, JSON (src/features/messages/payload.ts); null: skipped. */
  payload: string | null;
  /** The payload_bases row (in D1) the payload adds to; null: the payload is whole. */
  base: number | null;
  /** Why the message is not sent (opted out, ...); null: it is queued. */
  skipReason: string | null;
}

/**
 * Records a page, each slot once: a slot already recorded (the page recorded again, a person in
 * two audiences) keeps its message. Pages come in key order (the fan-out merges the run's
 * audiences by contact), so a new slot lies above every claim; one below the cursor would never
 * be handed out, and is refused rather than lost. Returns the slots recorded, with their status.
 */
export function record(store: LedgerStore, page: RecordedRecipient[], at: number) {
  const cursor = store.cursor();
  const added = store.exec<{ slot: number; skipped: number }>(
    `INSERT INTO messages (slot, number, status, payload, base, skip_reason, created_at, updated_at)
     SELECT j.value ->> '$.slot', j.value ->> '$.number', iif(j.value ->> '$.skipReason' IS NULL, NULL, 'skipped'),
            j.value ->> '$.payload', j.value ->> '$.base', j.value ->> '$.skipReason', ?1, ?1
     FROM json_each(?2) j WHERE true
     ON CONFLICT DO NOTHING RETURNING slot, skip_reason IS NOT NULL AS skipped`,
    at,
    JSON.stringify(page),
  );
  const below = added.find((a) => a.slot <= cursor && !a.skipped);
  if (below) {
    throw new Error(`slot ${below.slot} recorded below the claims' cursor (${cursor}): pages must come in key order`);
  }
  const moves = added.map((a): LedgerMove => [a.slot, null, a.skipped ? "skipped" : "queued"]);
  store.moved(moves, at);
  return {
    queued: added.filter((a) => !a.skipped).map((a) => a.slot),
    skipped: added.filter((a) => a.skipped).map((a) => a.slot),
  };
}
