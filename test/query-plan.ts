import { env } from "cloudflare:workers";
import { expect } from "vitest";

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
