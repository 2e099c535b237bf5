import { reclaim } from "./claims";
import type { RecordedRecipient } from "./record";
import type { LedgerMove } from "./schema";
import type { LedgerStore } from "./store";

// An API campaign's day in its own object (docs/scaling.md, step 5). A send's id is answered by
// the request, before anything is stored, so the request draws its slot from a block the object
// handed its isolate (`reserve`); the sends consumer then records the message already claimed, in
// whatever order the queue delivers it. So, unlike a run's:
// - a row is claimed by its own `claimed_at`, written by the insert itself (no row written for the
//   claim), and the claims' cursor never moves;
// - the sweep walks a watermark over the slots (`sweepDay`): a message recorded at or below it is
//   listed in `reclaimed` as it is recorded, so the sweep still finds it should it stay sending;
// - slots of a block no request used are simply never recorded.

/** One API send as the day's object records it: a run's recipient, with its template's ref. */
export type DayRecipient = RecordedRecipient & { template: string | null };

/** Thrown inside a record's transaction when some of its slots were recorded before: see `recordSends`. */
export class RecordedBefore extends Error {
  constructor() {
    super("some of these sends were recorded before");
  }
}

/**
 * Records API sends, each slot once, claimed for the caller to send now (or skipped with its
 * reason). A slot already recorded is claimed again only if it was given back unsent (a queue
 * retry of its send, ./claims.ts `reclaim`); one sending or settled is left alone, so a redelivered
 * send is never sent twice. Returns the slots claimed and those skipped.
 *
 * The insert reads two rows a message (its JSON element and its place in the table): it returns
 * nothing, and the base ids are looked up once per call. Whether every slot was new is told by the
 * rows it wrote; when one was not (a redelivery), `fresh` is false and it throws `RecordedBefore`,
 * for the caller to roll the transaction back and call again with `fresh` true, which first reads
 * which slots exist.
 */
export function recordSends(
  store: LedgerStore,
  bases: [string, string][],
  page: DayRecipient[],
  at: number,
  fresh = false,
) {
  const baseIds = new Map<string, number>();
  if (bases.length > 0) {
    store.exec(
      "INSERT INTO bases (key, body) SELECT j.value ->> 0, j.value ->> 1 FROM json_each(?) j WHERE true ON CONFLICT (key) DO NOTHING",
      JSON.stringify(bases),
    );
    const keys = [...new Set(page.flatMap((p) => (p.base === null ? [] : [p.base])))];
    for (const b of store.exec<{ id: number; key: string }>(
      "SELECT id, key FROM bases WHERE key IN (SELECT value FROM json_each(?))",
      JSON.stringify(keys),
    ))
      baseIds.set(b.key, b.id);
  }
  const existing = fresh
    ? new Set(
        store
          .exec<{ slot: number }>(
            "SELECT slot FROM messages WHERE slot IN (SELECT value FROM json_each(?))",
            JSON.stringify(page.map((p) => p.slot)),
          )
          .map((r) => r.slot),
      )
    : new Set<number>();
  const added = page.filter((p) => !existing.has(p.slot));
  const written = store.cost.rowsWritten;
  store.exec(
    `INSERT INTO messages (slot, number, status, payload, base, skip_reason, template, created_at, updated_at, claimed_at)
     SELECT j.value ->> '$.slot', j.value ->> '$.number', iif(j.value ->> '$.skipReason' IS NULL, NULL, 'skipped'),
            j.value ->> '$.payload', j.value ->> '$.baseId', j.value ->> '$.skipReason', j.value ->> '$.template',
            ?1, ?1, iif(j.value ->> '$.skipReason' IS NULL, ?1, NULL)
     FROM json_each(?2) j WHERE true ON CONFLICT DO NOTHING`,
    at,
    JSON.stringify(added.map((p) => ({ ...p, baseId: p.base === null ? null : (baseIds.get(p.base) ?? null) }))),
  );
  // `messages` has no index beside its key: one row written per message inserted.
  if (store.cost.rowsWritten - written !== added.length) throw new RecordedBefore();
  const claimed = added.filter((a) => a.skipReason === null).map((a) => a.slot);
  // Recorded behind the sweep's watermark (a request's slot from an older block, a late delivery):
  // listed for the sweep, which no longer reads that far back.
  const swept = store.sweptThrough();
  const late = claimed.filter((slot) => slot <= swept);
  if (late.length > 0) {
    store.exec(
      "INSERT INTO reclaimed (slot, at) SELECT value, ? FROM json_each(?) WHERE true ON CONFLICT (slot) DO UPDATE SET at = excluded.at",
      at,
      JSON.stringify(late),
    );
  }
  store.moved(
    added.map((a): LedgerMove => [a.slot, null, a.skipReason === null ? "queued" : "skipped"]),
    at,
  );
  const again = existing.size > 0 ? reclaim(store, [...existing], at) : [];
  return {
    claimed: [
      ...claimed.map((slot) => ({ slot, attempts: 1 })),
      ...again.map(({ slot, attempts }) => ({ slot, attempts })),
    ],
    skipped: added.filter((a) => a.skipReason !== null).map((a) => a.slot),
  };
}

/** The claims an API day's sweep looks at per call. */
const DAY_SWEEP_PAGE = 500;

/**
 * The messages of an API day first claimed before `before` and still sending, above the sweep's
 * watermark, which then moves up to the first message still sending since (or to the last read).
 * A range of the key from the watermark: each message is read by the sweeps of the minute or two
 * after it was recorded, not again.
 */
export function dayFirstClaims(store: LedgerStore, before: number): number[] {
  const swept = store.sweptThrough();
  const open = store.exec<{ slot: number; claimed_at: number }>(
    `SELECT m.slot, m.claimed_at FROM messages m WHERE m.slot > ? AND m.status IS NULL AND m.claimed_at IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM returned r WHERE r.slot = m.slot) ORDER BY m.slot LIMIT ?`,
    swept,
    DAY_SWEEP_PAGE,
  );
  const stuck = open.filter((o) => o.claimed_at < before).map((o) => o.slot);
  const young = open.find((o) => o.claimed_at >= before);
  const [last] = store.exec<{ slot: number | null }>("SELECT max(slot) AS slot FROM messages");
  const passed = young
    ? young.slot - 1
    : open.length === DAY_SWEEP_PAGE
      ? (open.at(-1)?.slot ?? swept)
      : (last?.slot ?? swept);
  store.passSwept(passed);
  return stuck;
}

/**
 * Slots after `after` given back before `before` and still waiting, in key order: what a resume,
 * or an API day's sweep, puts back on the sends queue.
 */
export function returnedBefore(store: LedgerStore, before: number, after: number, limit: number): number[] {
  return store
    .exec<{ slot: number }>(
      "SELECT slot FROM returned WHERE slot > ? AND (at IS NULL OR at < ?) ORDER BY slot LIMIT ?",
      after,
      before,
      limit,
    )
    .map((r) => r.slot);
}
