import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { createDb, type Db } from "../src/platform/db/client";

/** A drizzle query, or raw SQL with its parameters. */
type Query = { toSQL(): { sql: string; params: unknown[] } } | { sql: string; params: unknown[] };

/**
 * SQLite's plan for a statement on the test D1, one line per step (`EXPLAIN QUERY PLAN`'s detail
 * column, e.g. "SEARCH contacts USING COVERING INDEX contacts_opted_out (project_id=? AND ...)").
 */
export async function queryPlan(query: Query): Promise<string[]> {
  const { sql, params } = "toSQL" in query ? query.toSQL() : query;
  const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...params)
    .all<{ detail: string }>();
  return results.map((r) => r.detail);
}

/**
 * The statement seeks `table` through `index` and never walks a whole table: no step reads
 * `SCAN <name>` except json_each's virtual table (a handful of JSON values) and the statement's
 * own small results named in `scannable` (a CTE or subquery alias).
 */
export async function expectIndexed(query: Query, table: string, index: string, scannable: string[] = []) {
  const plan = await queryPlan(query);
  const text = plan.join("\n");
  expect(
    plan.some((step) => new RegExp(`^SEARCH ${table}\\b.* INDEX ${index}\\b`).test(step)),
    text,
  ).toBe(true);
  expect(
    plan.filter(
      (step) => /^SCAN /.test(step) && !/VIRTUAL TABLE/.test(step) && !scannable.includes(step.split(" ")[1] ?? ""),
    ),
    text,
  ).toEqual([]);
  return plan;
}

/**
 * The statements `work` runs, with their parameters, through a D1 binding that notes each one as
 * it is bound (and runs it on the test D1): for plans of code that builds its queries inside.
 */
export async function statementsOf(work: (db: Db) => Promise<unknown>): Promise<{ sql: string; params: unknown[] }[]> {
  const seen: { sql: string; params: unknown[] }[] = [];
  const noting = new Proxy(env.DB, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (prop !== "prepare") return typeof value === "function" ? value.bind(target) : value;
      return (sql: string) => {
        const statement = target.prepare(sql);
        const noted = { sql, params: [] as unknown[] };
        seen.push(noted);
        const bind = statement.bind.bind(statement);
        return Object.assign(statement, {
          bind: (...params: unknown[]) => {
            noted.params = params;
            return bind(...params);
          },
        });
      };
    },
  });
  await work(createDb(noting as D1Database));
  return seen;
}
