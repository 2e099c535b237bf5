/**
 * Wraps a D1 binding to count the round trips a request makes (a batch is one). The benchmark reads
 * the count from the `X-D1-Round-Trips` header, which is only sent when DEBUG_D1_COUNT is "1".
 */
export interface RoundTrips {
  count: number;
}

const EXECUTING = new Set(["first", "all", "run", "raw"]);
// Statements go into batch() unwrapped: the binding checks their type.
const unwrapped = new WeakMap<object, D1PreparedStatement>();

function countingStatement(statement: D1PreparedStatement, trips: RoundTrips): D1PreparedStatement {
  const proxy = new Proxy(statement, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      if (prop === "bind") return (...args: unknown[]) => countingStatement(value.apply(target, args), trips);
      if (typeof prop === "string" && EXECUTING.has(prop)) {
        return (...args: unknown[]) => {
          trips.count += 1;
          return value.apply(target, args);
        };
      }
      return value.bind(target);
    },
  });
  unwrapped.set(proxy, statement);
  return proxy;
}

export function countingD1<T extends D1Database | D1DatabaseSession>(db: T, trips: RoundTrips): T {
  return new Proxy(db, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop === "prepare") {
        return (query: string) => countingStatement(target.prepare(query), trips);
      }
      if (prop === "batch") {
        return (statements: D1PreparedStatement[]) => {
          trips.count += 1;
          return target.batch(statements.map((s) => unwrapped.get(s) ?? s));
        };
      }
      if (prop === "exec") {
        return (query: string) => {
          trips.count += 1;
          return (target as D1Database).exec(query);
        };
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
