import { type SQL, sql } from "drizzle-orm";

/**
 * `<column> IN (<values>)` with the values bound as ONE JSON parameter: D1 binds at most 100
 * parameters per statement, so lists of any length (a page of numbers, a batch of ids) fit.
 */
export const inJsonList = (column: SQL | SQL.Aliased | { getSQL(): SQL }, values: readonly (string | number)[]) =>
  sql`${column} IN (SELECT value FROM json_each(${JSON.stringify([...new Set(values)])}))`;

/**
 * A list bound as ONE JSON parameter, as a table to join (`FROM jsonList(ids, "j") CROSS JOIN
 * messages WHERE messages.id = j.value`, or an UPDATE's FROM): each value seeks its row by key.
 * Cheaper than `inJsonList` where rows are many: behind IN (SELECT …) SQLite first copies the list
 * into a temporary index, which D1 counts as a row read per value.
 */
export const jsonList = (values: readonly (string | number)[], alias: string) =>
  sql`json_each(${JSON.stringify([...new Set(values)])}) ${sql.raw(alias)}`;

/**
 * `<column> = <value>` that SQLite will not pick an index for. Beside an id list it keeps the
 * statement seeking the listed rows by key: without it, SQLite may walk the status index instead
 * and read every queued (or sending) message of the database — D1 bills every row read, and a
 * claim of 100 from a 100,000-recipient broadcast would read all 100,000.
 */
export const filterOnly = (column: SQL | SQL.Aliased | { getSQL(): SQL }, value: string | number) =>
  sql`+${column} = ${value}`;
