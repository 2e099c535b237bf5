import { type SQL, sql } from "drizzle-orm";

/**
 * `<column> IN (<values>)` with the values bound as ONE JSON parameter: D1 binds at most 100
 * parameters per statement, so lists of any length (a page of numbers, a batch of ids) fit.
 */
export const inJsonList = (column: SQL | SQL.Aliased | { getSQL(): SQL }, values: readonly (string | number)[]) =>
  sql`${column} IN (SELECT value FROM json_each(${JSON.stringify([...new Set(values)])}))`;
