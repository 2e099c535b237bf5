// Faults on demand in this isolate's D1: a statement whose SQL matches fails with a D1 error, as
// production D1 fails under load or in an outage; a batch holding one fails whole, as D1 rolls the
// batch back. The Worker's handlers, its consumers and its Durable Objects share the binding
// classes, so the fault reaches all of them.

const INSTALLED = Symbol.for("wa-campaigns.d1-faults");

interface Fault {
  match: RegExp;
  left: number;
  hits: number;
  /** The share of matching statements that fail (1: every one, while `left` lasts). */
  rate: number;
}

const faults = new Set<Fault>();
const sqlOf = new WeakMap<object, string>();

function check(sql: string | undefined) {
  if (sql === undefined) return;
  for (const fault of faults) {
    if (fault.left > 0 && fault.match.test(sql) && (fault.rate >= 1 || Math.random() < fault.rate)) {
      fault.left--;
      fault.hits++;
      throw new Error(`D1_ERROR: injected fault (${fault.match})`);
    }
  }
}

function install(db: D1Database) {
  const databaseProto = Object.getPrototypeOf(db) as D1Database & { [INSTALLED]?: true };
  if (databaseProto[INSTALLED]) return;
  const statementProto = Object.getPrototypeOf(db.prepare("SELECT 1")) as D1PreparedStatement &
    Record<string, (...args: unknown[]) => unknown>;
  const prepare = databaseProto.prepare;
  databaseProto.prepare = function (this: D1Database, query: string) {
    const statement = prepare.call(this, query);
    sqlOf.set(statement, query);
    return statement;
  };
  const bind = statementProto.bind;
  statementProto.bind = function (this: D1PreparedStatement, ...values: unknown[]) {
    const bound = bind.apply(this, values);
    const sql = sqlOf.get(this);
    if (sql !== undefined) sqlOf.set(bound, sql);
    return bound;
  };
  for (const name of ["run", "all", "first", "raw"]) {
    const original = statementProto[name] as (...args: unknown[]) => Promise<unknown>;
    statementProto[name] = async function (this: D1PreparedStatement, ...args: unknown[]) {
      check(sqlOf.get(this));
      return original.apply(this, args);
    };
  }
  const batch = databaseProto.batch;
  databaseProto.batch = async function <T>(this: D1Database, statements: D1PreparedStatement[]) {
    for (const statement of statements) check(sqlOf.get(statement));
    return batch.call(this, statements) as Promise<D1Result<T>[]>;
  };
  databaseProto[INSTALLED] = true;
}

/**
 * Makes the next `times` statements whose SQL matches `match` fail — or, with `rate` below 1, that
 * share of them at random, up to `times` — alone or in a batch (which then fails whole). Returns
 * the fault: `hits` counts the failures, `clear()` removes what is left.
 */
export function failD1(db: D1Database, match: RegExp, times = 1, rate = 1) {
  install(db);
  const fault: Fault = { match, left: times, hits: 0, rate };
  faults.add(fault);
  return {
    get hits() {
      return fault.hits;
    },
    clear: () => faults.delete(fault),
  };
}
