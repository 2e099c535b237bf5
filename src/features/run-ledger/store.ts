import type { MessageStatus } from "../../platform/db/schema";
import { MoveLog } from "./move-log";
import {
  ADDED_COLUMNS,
  type LedgerCounts,
  type LedgerMeta,
  type LedgerMove,
  type LedgerRow,
  SCHEMA,
  type StoredRow,
  stateSql,
} from "./schema";

/** The counts row: the counters, and what the claims and the fan-out keep. */
export type StoredCounts = LedgerCounts & {
  waiting: number;
  permitted: number;
  permitted_at: number;
  recorded_queued: number;
  recorded_skipped: number;
  swept_through: number;
};

/** The counts row's columns but the moves waiting on it. */
const COUNT_COLUMNS =
  "queued, sent, delivered, read, failed, skipped, waiting, permitted, permitted_at, recorded_queued, recorded_skipped, swept_through";

/** What the object's SQLite spent on one call, as it bills it. */
export interface Cost {
  statements: number;
  rowsRead: number;
  rowsWritten: number;
}

/** The columns a move may change, by the names `write` takes. */
export type Changes = Partial<Omit<StoredRow, "slot" | "number" | "payload" | "base" | "created_at">>;

const WRITABLE: (keyof Changes)[] = [
  "status",
  "skip_reason",
  "attempts",
  "wamid",
  "error_code",
  "error_title",
  "error_message",
  "error_class",
  "updated_at",
  "claimed_at",
  "sent_at",
  "delivered_at",
  "read_at",
  "failed_at",
  "billing",
  "accepted_as",
];

/** The counter a state counts under: a message being sent still counts as queued. */
const counterOf = (state: MessageStatus): keyof LedgerCounts => (state === "sending" ? "queued" : state);

/**
 * Each object's meter by its id, for the isolate's life: the runtime may replace an object's
 * instance (an idle one is evicted, and made again by its next call or alarm), and what the object
 * spent is counted whole across them. A few numbers an object; cleared past MAX_METERS.
 */
const meters = new Map<string, Cost>();
const MAX_METERS = 10_000;

/** The meter of the object `id`. */
export function meterOf(id: string): Cost {
  let meter = meters.get(id);
  if (!meter) {
    if (meters.size >= MAX_METERS) meters.clear();
    meter = { statements: 0, rowsRead: 0, rowsWritten: 0 };
    meters.set(id, meter);
  }
  return meter;
}

/**
 * The object's SQLite, as every operation uses it: statements metered, rows read with their
 * state, rows written a set at a time, and moves counted and logged. The object is the only
 * writer and runs one call at a time, so the claims' cursor is kept in memory once read.
 */
export class LedgerStore {
  cost: Cost;
  private claimedThrough: number | null = null;
  private swept: number | null = null;
  private slot: number | null = null;
  /** The calls' moves waiting for the hand-over (./move-log.ts). */
  readonly moves = new MoveLog((query, ...bindings) => this.exec(query, ...bindings));

  constructor(
    private readonly sql: SqlStorage,
    meter?: Cost,
  ) {
    this.cost = meter ?? { statements: 0, rowsRead: 0, rowsWritten: 0 };
    for (const statement of SCHEMA) sql.exec(statement);
    // An object made before a column was added gains it (CREATE TABLE IF NOT EXISTS left its table).
    const columns = new Set(
      sql
        .exec<{ t: string; name: string }>(
          "SELECT t.value AS t, p.name FROM json_each(?) t, pragma_table_info(t.value) p",
          JSON.stringify([...new Set(ADDED_COLUMNS.map(([table]) => table))]),
        )
        .toArray()
        .map((c) => `${c.t}.${c.name}`),
    );
    for (const [table, column, type, fill] of ADDED_COLUMNS) {
      if (columns.has(`${table}.${column}`)) continue;
      sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
      if (fill) sql.exec(fill);
    }
  }

  exec<T extends Record<string, SqlStorageValue>>(query: string, ...bindings: unknown[]): T[] {
    const cursor = this.sql.exec<T>(query, ...bindings);
    const rows = cursor.toArray();
    this.cost.statements++;
    this.cost.rowsRead += cursor.rowsRead;
    this.cost.rowsWritten += cursor.rowsWritten;
    return rows;
  }

  /** The last slot handed out by a claim (0: none yet). */
  cursor(): number {
    this.claimedThrough ??= this.exec<{ c: number }>("SELECT coalesce(max(through), 0) AS c FROM claims")[0]?.c ?? 0;
    return this.claimedThrough;
  }

  /** Moves the cursor past `through` at `at` (the caller's transaction commits it). */
  advance(through: number, at: number) {
    this.exec("INSERT INTO claims (through, at) VALUES (?, ?)", through, at);
    this.claimedThrough = through;
  }

  /** Forgets what memory holds of the storage: after a transaction that did not commit. */
  reset() {
    this.claimedThrough = null;
    this.swept = null;
    this.slot = null;
    this.moves.reset();
  }

  /**
   * Takes the next `count` slots of an API day (./day.ts); the first. Kept in memory once read:
   * an UPDATE … RETURNING costs three rows read more.
   */
  takeSlots(count: number): number {
    this.slot ??= this.exec<{ n: number }>("SELECT next_slot AS n FROM meta")[0]?.n ?? null;
    if (this.slot === null) throw new Error("an API day's object has no meta row to reserve slots from");
    const first = this.slot;
    this.exec("UPDATE meta SET next_slot = ?", first + count);
    this.slot = first + count;
    return first;
  }

  /** How far the sweep has passed (`counts.swept_through`): every API day's record asks. */
  sweptThrough(): number {
    this.swept ??= this.exec<{ s: number }>("SELECT swept_through AS s FROM counts")[0]?.s ?? 0;
    return this.swept;
  }

  /** Moves the sweep's mark up to `through` (the caller's transaction commits it). */
  passSwept(through: number) {
    if (through <= this.sweptThrough()) return;
    this.exec("UPDATE counts SET swept_through = ?", through);
    this.swept = through;
  }

  /** The rows of `slots` that exist, with their state (their claim time left null), by slot. */
  rows(slots: number[]): Map<number, LedgerRow> {
    const read = this.exec<LedgerRow & Record<string, SqlStorageValue>>(
      `SELECT m.*, ${stateSql(String(this.cursor()), false)} FROM json_each(?) j JOIN messages m ON m.slot = j.value`,
      JSON.stringify([...new Set(slots)]),
    );
    return new Map(read.map((row) => [row.slot, row]));
  }

  /** Writes each row's changes in one statement (the rows travel as one JSON parameter). */
  write(changes: [number, Changes][]) {
    if (changes.length === 0) return;
    const columns = WRITABLE.filter((c) => changes.some(([, change]) => c in change));
    const sets = columns.map((c) => `${c} = iif(json_type(j.value, '$.${c}') IS NULL, m.${c}, j.value ->> '$.${c}')`);
    this.exec(
      `UPDATE messages AS m SET ${sets.join(", ")} FROM json_each(?) j WHERE m.slot = j.value ->> '$.slot'`,
      JSON.stringify(changes.map(([slot, change]) => ({ ...change, slot }))),
    );
  }

  /** Counts `moves` and keeps them for the hand-over, on the counters' row (none: nothing written). */
  moved(moves: LedgerMove[], at: number) {
    if (moves.length === 0) return;
    const delta: LedgerCounts = { queued: 0, sent: 0, delivered: 0, read: 0, failed: 0, skipped: 0 };
    for (const [, from, to] of moves) {
      if (from !== null) delta[counterOf(from)]--;
      delta[counterOf(to)]++;
    }
    this.moves.add(delta, moves, at);
  }

  /** Counts `n` more messages waiting to be handed out (negative: fewer). */
  wait(n: number) {
    if (n !== 0) this.exec("UPDATE counts SET waiting = waiting + ?", n);
  }

  /** The run or API day the object keeps, as its meta row says (null: none yet). */
  meta(): LedgerMeta | null {
    const [row] = this.exec<{
      project_id: string;
      campaign_id: string;
      run_id: string;
      run_ref: string;
      api_day: number | null;
    }>("SELECT project_id, campaign_id, run_id, run_ref, api_day FROM meta");
    return row
      ? {
          projectId: row.project_id,
          campaignId: row.campaign_id,
          runId: row.run_id,
          runRef: row.run_ref,
          apiDay: row.api_day,
        }
      : null;
  }

  counts(): StoredCounts {
    const [row] = this.exec<StoredCounts>(`SELECT ${COUNT_COLUMNS} FROM counts`);
    if (!row) throw new Error("the run ledger's counts row is missing");
    return row;
  }
}
