import { drizzle } from "drizzle-orm/d1";

/** The D1 binding, or one request's session on it (src/platform/db/sessions.ts). */
export type D1 = D1Database | D1DatabaseSession;

// Built without the schema: the code writes its queries with the query builder, never drizzle's
// relational `db.query`, and giving drizzle the schema makes it walk every table's relations on
// each client built (about 38 µs against 2 µs) — once per request that queries, since requests
// have sessions.
const build = (d1: D1) => drizzle(d1 as D1Database);
export type Db = ReturnType<typeof build>;

/** A client of its own for one request's session; `createDb` keeps one per binding. */
export const sessionDb: (session: D1) => Db = build;

// One client per binding, built once.
const clients = new WeakMap<D1, Db>();

export function createDb(d1: D1): Db {
  let db = clients.get(d1);
  if (!db) {
    db = build(d1);
    clients.set(d1, db);
  }
  return db;
}

/** What a deferred client opens on first use. */
export interface Opener {
  open(): Db;
}

// One handler for every deferred client: the state lives in the target, so deferring costs a
// request one small object and no closures. Methods are read from the real client and called on
// the proxy, whose every property read lands on the real client again.
const DEFERRED: ProxyHandler<Opener> = {
  get: (target, prop) => Reflect.get(target.open(), prop),
  set: (target, prop, value) => Reflect.set(target.open(), prop, value),
  has: (target, prop) => Reflect.has(target.open(), prop),
  getPrototypeOf: (target) => Reflect.getPrototypeOf(target.open()),
};

/**
 * A client that is built, and its connection opened, only when something reads it: most warm
 * requests of the API-campaign endpoint never query, and building one for each costs time.
 */
export function deferredDb(opener: Opener): Db {
  return new Proxy(opener, DEFERRED) as unknown as Db;
}
