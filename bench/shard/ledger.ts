import { DurableObject } from "cloudflare:workers";

// A run's ledger as the per-run shard design of docs/scaling.md ("Past one database") would keep
// it: one SQLite-backed Durable Object per broadcast run (or per API campaign's day), holding its
// messages, its counters and its log. It exists to measure that design with the same meter as today's ledger
// (rows read and written as SQLite counts them, bytes as the database's size), not to serve
// traffic: nothing in src/ uses it.
//
// What the design takes from being one run's own database, run one call at a time:
// - A message is keyed by its slot (INTEGER PRIMARY KEY: the row is its own key, with no index
//   beside it): in a run, its contact's row number in D1, so a run sends a person one message
//   however many of its audiences hold them, and a replayed fan-out page writes nothing twice,
//   with no index for it; in an API campaign's day, its order of arrival, given by SQLite.
// - A claim moves a cursor, not the rows: the sender takes the next queued messages in key order,
//   and one `claims` row says that every key up to its own was handed out at its time. A message
//   at or below the cursor without an outcome is `sending`; it is never handed out again (at most
//   once), and one whose outcome is lost waits for Meta's word. So a claim reads the rows it
//   takes and writes none of them, at any backlog.
// - Times are milliseconds since the run's start (3 or 4 bytes, not 6).
// - Counters move in the same transaction as the rows (exact, no outbox needed for them); the log
//   row per batch is what status callbacks to the customer are handed over from.
// - No wamid index here: a reply quoting a message is routed by D1's `wamid_routes`, which names
//   the shard and the slot (bench/shard/worker.ts); statuses and presses carry the shard and the
//   slot in the callback data and the button's payload.

export type State = 0 | 1 | 2 | 3 | 4;
/** On the row: not sent yet. Queued above the claims' cursor, sending at or below it. */
export const QUEUED = 0;
/** A counter only: a row at or below the cursor that is still `QUEUED` is sending. */
export const SENDING = 1;
export const SENT = 2;
export const DELIVERED = 3;
export const READ = 4;

/** What a call cost the object's SQLite. */
export interface ObjectCost {
  statements: number;
  rowsRead: number;
  rowsWritten: number;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS messages (
    slot INTEGER PRIMARY KEY,
    number TEXT NOT NULL,
    vars TEXT,
    state INTEGER NOT NULL DEFAULT 0,
    wamid TEXT,
    error INTEGER,
    sent INTEGER, delivered INTEGER, read INTEGER, failed INTEGER
  )`,
  // Each claim: every key up to \`through\` was handed out at \`at\` (a message's claim time is the
  // first row at or above its key).
  "CREATE TABLE IF NOT EXISTS claims (through INTEGER PRIMARY KEY, at INTEGER NOT NULL)",
  // The run's counters: one row, moved by every batch in its transaction.
  `CREATE TABLE IF NOT EXISTS run (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    queued INTEGER NOT NULL DEFAULT 0, sending INTEGER NOT NULL DEFAULT 0, sent INTEGER NOT NULL DEFAULT 0,
    delivered INTEGER NOT NULL DEFAULT 0, read INTEGER NOT NULL DEFAULT 0
  )`,
  "INSERT INTO run (id) VALUES (1) ON CONFLICT DO NOTHING",
  "CREATE TABLE IF NOT EXISTS log (id INTEGER PRIMARY KEY, moves TEXT NOT NULL)",
  "CREATE TABLE IF NOT EXISTS responses (id INTEGER PRIMARY KEY, slot INTEGER NOT NULL, kind TEXT NOT NULL, payload TEXT, at INTEGER NOT NULL)",
];

const STATUS_COLUMN = { [DELIVERED]: "delivered", [READ]: "read" } as const;

export class RunLedger extends DurableObject {
  private cost: ObjectCost = { statements: 0, rowsRead: 0, rowsWritten: 0 };
  // The last key claimed, as the claims hold it: read once when the object starts, then kept by
  // each claim that commits (the object is the only writer, one call at a time).
  private claimedThrough = 0;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never);
    ctx.blockConcurrencyWhile(async () => {
      for (const statement of SCHEMA) this.ctx.storage.sql.exec(statement);
      this.claimedThrough = this.ctx.storage.sql
        .exec<{ c: number }>("SELECT coalesce(max(through), 0) AS c FROM claims")
        .one().c;
    });
  }

  private exec<T extends Record<string, SqlStorageValue>>(query: string, ...bindings: unknown[]): T[] {
    const cursor = this.ctx.storage.sql.exec<T>(query, ...bindings);
    const rows = cursor.toArray();
    this.cost.statements++;
    this.cost.rowsRead += cursor.rowsRead;
    this.cost.rowsWritten += cursor.rowsWritten;
    return rows;
  }

  /** Runs `work` as one transaction and answers with what it cost. */
  private measured<T>(work: () => T): { result: T; cost: ObjectCost } {
    this.cost = { statements: 0, rowsRead: 0, rowsWritten: 0 };
    const result = this.ctx.storage.transactionSync(work);
    return { result, cost: this.cost };
  }

  /** Moves the counters by the batch's moves: [state, change] pairs. */
  private count(moves: [State, number][]) {
    const change = [0, 0, 0, 0, 0];
    for (const [state, n] of moves) change[state] = (change[state] ?? 0) + n;
    this.exec(
      "UPDATE run SET queued = queued + ?, sending = sending + ?, sent = sent + ?, delivered = delivered + ?, read = read + ?",
      ...change,
    );
  }

  private log(moves: unknown[]) {
    if (moves.length > 0) this.exec("INSERT INTO log (moves) VALUES (?)", JSON.stringify(moves));
  }

  size() {
    return this.ctx.storage.sql.databaseSize;
  }

  /**
   * A fan-out page, or an API slice: [slot, number, vars] rows, recorded once each (a null slot:
   * the next one); answers the slots recorded, in order.
   */
  record(page: [number | null, string, string | null][]) {
    return this.measured(() => {
      const added = this.exec<{ slot: number }>(
        "INSERT INTO messages (slot, number, vars) SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?) WHERE true ON CONFLICT DO NOTHING RETURNING slot",
        JSON.stringify(page),
      );
      this.count([[QUEUED, added.length]]);
      return added.map((a) => a.slot);
    });
  }

  /**
   * Hands out up to `limit` queued messages in key order after the cursor, and moves the cursor
   * past them: the rows are read, not written.
   */
  claim(limit: number, at: number) {
    const claimed = this.measured(() => {
      const taken = this.exec<{ slot: number; number: string; vars: string | null }>(
        "SELECT slot, number, vars FROM messages WHERE slot > ? AND state = 0 ORDER BY slot LIMIT ?",
        this.claimedThrough,
        limit,
      );
      const last = taken.at(-1)?.slot;
      if (last === undefined) return taken;
      this.exec("INSERT INTO claims (through, at) VALUES (?, ?)", last, at);
      this.count([
        [QUEUED, -taken.length],
        [SENDING, taken.length],
      ]);
      this.log(taken.map((t) => [t.slot, SENDING]));
      return taken;
    });
    // Kept in memory only once its transaction committed.
    this.claimedThrough = claimed.result.at(-1)?.slot ?? this.claimedThrough;
    return claimed;
  }

  /** Meta's answers to a claimed batch: [slot, wamid] pairs. */
  sent(outcomes: [number, string][], at: number) {
    return this.measured(() => {
      const moved = this.exec<{ slot: number }>(
        "UPDATE messages SET state = 2, wamid = j.value ->> 1, sent = ? FROM json_each(?) j WHERE messages.slot = j.value ->> 0 AND messages.state = 0 AND messages.slot <= ? RETURNING messages.slot",
        at,
        JSON.stringify(outcomes),
        this.claimedThrough,
      );
      this.count([
        [SENDING, -moved.length],
        [SENT, moved.length],
      ]);
      this.log(moved.map((m) => [m.slot, SENT]));
      return moved.length;
    });
  }

  /**
   * A batch of one status (delivered or read) for slots, applied forward only: a message
   * already past it is left as it is.
   */
  status(state: typeof DELIVERED | typeof READ, slots: number[], at: number) {
    return this.measured(() => {
      const column = STATUS_COLUMN[state];
      // RETURNING sees the row as written: a read whose message has no delivery time came from sent.
      const moved = this.exec<{ slot: number; was: State }>(
        `UPDATE messages SET state = ?, ${column} = ? FROM (SELECT value AS slot FROM json_each(?)) j WHERE messages.slot = j.slot AND messages.state >= 2 AND messages.state < ? RETURNING messages.slot, iif(messages.delivered IS NULL OR ? = 3, 2, 3) AS was`,
        state,
        at,
        JSON.stringify(slots),
        state,
        state,
      );
      const fromSent = moved.filter((m) => m.was === SENT).length;
      this.count([
        [SENT, -fromSent],
        [DELIVERED, (state === DELIVERED ? moved.length : 0) - (moved.length - fromSent)],
        [READ, state === READ ? moved.length : 0],
      ]);
      this.log(moved.map((m) => [m.slot, state]));
      return moved.length;
    });
  }

  /** Button presses: [slot, payload] pairs, one response row each. */
  press(presses: [number, string][], at: number) {
    return this.measured(
      () =>
        this.exec(
          "INSERT INTO responses (slot, kind, payload, at) SELECT value ->> 0, 'button', value ->> 1, ? FROM json_each(?)",
          at,
          JSON.stringify(presses),
        ).length,
    );
  }

  /** The outbox handed the log rows over (status callbacks): they go. */
  handedOver() {
    return this.measured(() => this.exec("DELETE FROM log").length);
  }

  counts() {
    return this.ctx.storage.sql
      .exec<{ queued: number; sending: number; sent: number; delivered: number; read: number }>(
        "SELECT queued, sending, sent, delivered, read FROM run",
      )
      .one();
  }
}
