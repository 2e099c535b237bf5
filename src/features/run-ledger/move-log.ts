import type { LedgerCounts, LedgerMove } from "./schema";

// What each call moved, counted and kept for the hand-over (./hand-over.ts) on the counters' row,
// which the call writes anyway: a call writes one row beside its messages. What was handed over
// is dropped from the row by the next call's write, or by the object's alarm (./object.ts), so a
// hand-over round writes nothing either. When the hand-over is behind (the statistics cannot be
// reached), calls past `PENDING_CALLS` or `PENDING_BYTES` spill into a `log` row each, so the row
// the counters share stays small.

/** Calls whose moves wait on the counters' row at most: a hand-over round's worth. */
export const PENDING_CALLS = 20;

/** Bytes of moves waiting on the counters' row at most (a call moves up to 500 messages, ~12 KB). */
const PENDING_BYTES = 32_000;

/** One call's moves, under its id, as the counters' row keeps them: [id, at, moves]. */
export type PendingCall = [number, number, LedgerMove[]];

type Exec = <T extends Record<string, SqlStorageValue>>(query: string, ...bindings: unknown[]) => T[];

/**
 * The counters' row's moves, as memory holds them: the object is their only writer and runs one
 * call at a time, so the row is read once (no RETURNING, which costs three rows read a statement).
 */
export class MoveLog {
  private row: { next: number; calls: { id: number; json: string }[] } | null = null;
  /** The last id handed over. Memory alone: lost on a restart, its calls are handed over again. */
  private handed = 0;

  constructor(private readonly exec: Exec) {}

  private load() {
    if (this.row) return this.row;
    const [row] = this.exec<{ next: number; pending: string }>("SELECT next_log AS next, pending FROM counts");
    if (!row) throw new Error("the run ledger's counts row is missing");
    const calls = (JSON.parse(row.pending) as PendingCall[]).map((call) => ({
      id: call[0],
      json: JSON.stringify(call),
    }));
    this.row = { next: row.next, calls };
    return this.row;
  }

  /** Forgets the row after a transaction that did not commit; what was handed over stays so. */
  reset() {
    this.row = null;
  }

  /** Counts `moves` by `delta` and keeps them for the hand-over, in the caller's transaction. */
  add(delta: LedgerCounts, moves: LedgerMove[], at: number) {
    const row = this.load();
    const id = row.next;
    const kept = row.calls.filter((c) => c.id > this.handed);
    const entry = { id, json: JSON.stringify([id, at, moves] satisfies PendingCall) };
    const bytes = kept.reduce((n, c) => n + c.json.length + 1, entry.json.length);
    const calls = kept.length < PENDING_CALLS && bytes <= PENDING_BYTES ? [...kept, entry] : kept;
    this.exec(
      `UPDATE counts SET queued = queued + ?, sent = sent + ?, delivered = delivered + ?, read = read + ?,
         failed = failed + ?, skipped = skipped + ?, next_log = ?, pending = ?`,
      delta.queued,
      delta.sent,
      delta.delivered,
      delta.read,
      delta.failed,
      delta.skipped,
      id + 1,
      jsonOf(calls),
    );
    if (calls.at(-1) !== entry)
      this.exec("INSERT INTO log (id, moves, at) VALUES (?, ?, ?)", id, JSON.stringify(moves), at);
    this.row = { next: id + 1, calls };
  }

  /** The calls on the row not handed over yet, oldest first. */
  waiting(): PendingCall[] {
    return this.load()
      .calls.filter((c) => c.id > this.handed)
      .map((c) => JSON.parse(c.json) as PendingCall);
  }

  /** How many calls on the row are not handed over yet. */
  waitingCount(): number {
    return this.load().calls.filter((c) => c.id > this.handed).length;
  }

  /** Notes every call up to id `last` handed over. */
  handedOver(last: number) {
    this.handed = Math.max(this.handed, last);
  }

  /** Drops the calls handed over from the row, if it still holds any (one row written). */
  prune() {
    const row = this.load();
    const kept = row.calls.filter((c) => c.id > this.handed);
    if (kept.length === row.calls.length) return;
    this.exec("UPDATE counts SET pending = ?", jsonOf(kept));
    this.row = { ...row, calls: kept };
  }
}

const jsonOf = (calls: { json: string }[]) => `[${calls.map((c) => c.json).join(",")}]`;
