import { drizzle } from "drizzle-orm/d1";

/** The D1 binding, or one request's session on it (src/platform/db/sessions.ts). */
export type D1 = D1Database | D1DatabaseSession;

// Built without the schema: the code writes its queries with the query builder, never drizzle's
// relational `db.query`, and giving drizzle the schema makes it walk every table's relations on
// each client built (about 38 µs against 2 µs) — once per request now that requests have sessions.
const build = (d1: D1) => drizzle(d1 as D1Database);
export type Db = ReturnType<typeof build>;

// One client per binding or session, built once.
const clients = new WeakMap<D1, Db>();

export function createDb(d1: D1): Db {
  let db = clients.get(d1);
  if (!db) {
    db = build(d1);
    clients.set(d1, db);
  }
  return db;
}
