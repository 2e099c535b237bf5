// What statements cost in this isolate's D1: the rows each one read and wrote, as D1 reports them
// in every result's `meta` (`rows_read` is what D1 bills and what grows with a table when a
// statement scans instead of seeking). Wraps the binding's session, so every statement of the
// Worker's handlers, consumers and Durable Objects is counted, however it was run.

const INSTALLED = Symbol.for("wa-campaigns.d1-cost");

export interface D1Cost {
  statements: number;
  rowsRead: number;
  rowsWritten: number;
  /** Per statement text (first 120 characters), when asked for. */
  bySql?: Map<string, { statements: number; rowsRead: number; rowsWritten: number }>;
}

const meters = new Set<D1Cost>();

/**
 * Starts a statement a measurement must leave out: the harness's own reads while it waits for the
 * Worker (a benchmark polling until every message is sent), which no deployment runs.
 */
export const UNMETERED = "/* unmetered */ ";

function count(results: unknown, sqls: (string | undefined)[]) {
  const list = Array.isArray(results) ? results : [results];
  list.forEach((result, i) => {
    if (sqls[i]?.startsWith(UNMETERED)) return;
    const meta = (result as { meta?: { rows_read?: number; rows_written?: number } } | null)?.meta;
    if (!meta) return;
    for (const meter of meters) {
      meter.statements++;
      meter.rowsRead += meta.rows_read ?? 0;
      meter.rowsWritten += meta.rows_written ?? 0;
      if (meter.bySql) {
        const key = (sqls[i] ?? "?").replace(/\s+/g, " ").slice(0, 120);
        const entry = meter.bySql.get(key) ?? { statements: 0, rowsRead: 0, rowsWritten: 0 };
        entry.statements++;
        entry.rowsRead += meta.rows_read ?? 0;
        entry.rowsWritten += meta.rows_written ?? 0;
        meter.bySql.set(key, entry);
      }
    }
  });
}

/**
 * Every statement the binding runs — `all`, `run`, `first`, `raw` (drizzle's reads), a batch —
 * goes through one method of its session, `_send(endpoint, sql or sqls, params, format)`, whose
 * results carry the `meta` the public methods `first` and `raw` drop. It is workerd's own, not a
 * documented API: if it moves, the meter refuses to run rather than count some statements only.
 */
function install(db: D1Database) {
  const session = (db as unknown as { alwaysPrimarySession?: object }).alwaysPrimarySession;
  const sessionProto =
    session && (Object.getPrototypeOf(Object.getPrototypeOf(session)) as Record<PropertyKey, unknown>);
  if (!sessionProto || typeof sessionProto._send !== "function") {
    throw new Error("the D1 binding no longer sends statements through its session's _send: update test/d1-cost.ts");
  }
  if (sessionProto[INSTALLED]) return;
  const send = sessionProto._send as (...args: unknown[]) => Promise<unknown>;
  sessionProto._send = async function (this: unknown, ...args: unknown[]) {
    const result = await send.apply(this, args);
    const sqls = args[1];
    count(result, Array.isArray(sqls) ? (sqls as string[]) : [sqls as string]);
    return result;
  };
  sessionProto[INSTALLED] = true;
}

/** Counts what every D1 statement run during `work` read and wrote. */
export async function measureD1<T>(
  db: D1Database,
  work: () => Promise<T>,
  options: { bySql?: boolean } = {},
): Promise<{ result: T; cost: D1Cost }> {
  install(db);
  const cost: D1Cost = { statements: 0, rowsRead: 0, rowsWritten: 0, ...(options.bySql ? { bySql: new Map() } : {}) };
  meters.add(cost);
  try {
    return { result: await work(), cost };
  } finally {
    meters.delete(cost);
  }
}
