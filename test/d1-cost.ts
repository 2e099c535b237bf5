// What statements cost in this isolate's D1: the rows each one read and wrote, as D1 reports them
// in every result's `meta` (`rows_read` is what D1 bills and what grows with a table when a
// statement scans instead of seeking). Wraps the binding's classes, so the Worker's handlers,
// consumers and Durable Objects are all counted.

const INSTALLED = Symbol.for("wa-campaigns.d1-cost");

export interface D1Cost {
  statements: number;
  rowsRead: number;
  rowsWritten: number;
  /** Per statement text (first 120 characters), when asked for. */
  bySql?: Map<string, { statements: number; rowsRead: number; rowsWritten: number }>;
}

const meters = new Set<D1Cost>();

function count(results: unknown, sqls: (string | undefined)[]) {
  const list = Array.isArray(results) ? results : [results];
  list.forEach((result, i) => {
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

const sqlOf = (statement: unknown) => (statement as { statement?: string } | null)?.statement;

function install(db: D1Database) {
  const databaseProto = Object.getPrototypeOf(db) as D1Database & { [INSTALLED]?: true };
  if (databaseProto[INSTALLED]) return;
  const statementProto = Object.getPrototypeOf(db.prepare("SELECT 1")) as Record<
    string,
    (...args: unknown[]) => Promise<unknown>
  >;
  // `first` and `raw` hand back no meta; they are counted through `all`, which they call.
  for (const name of ["run", "all"]) {
    const original = statementProto[name] as (...args: unknown[]) => Promise<unknown>;
    statementProto[name] = async function (this: unknown, ...args: unknown[]) {
      const result = await original.apply(this, args);
      count(result, [sqlOf(this)]);
      return result;
    };
  }
  const batch = databaseProto.batch;
  databaseProto.batch = async function <T>(this: D1Database, statements: D1PreparedStatement[]) {
    const results = await batch.call(this, statements);
    count(results, statements.map(sqlOf));
    return results as D1Result<T>[];
  };
  databaseProto[INSTALLED] = true;
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
