// The raw baseline: the benchmark's rows inserted straight into D1's variable_values (the table
// and indexes an import into a variable group writes), as fast as D1 takes them. Each statement
// unpacks one JSON parameter of STATEMENT_ROWS rows with json_each (about 0.6 MB, under D1's
// 2 MB per value), a batch holds BATCH_STATEMENTS of them, and the next batch is built while one
// is in flight. Of the layouts tried (500 to 30,000 rows per statement, 1 to 4 statements per
// batch, 1 or 2 batches in flight), this was among the fastest; they differ by under 5% from
// 2,000 rows per statement up.
import { row } from "./rows.mjs";

const STATEMENT_ROWS = 10_000;
const BATCH_STATEMENTS = 2;
const IN_FLIGHT = 2;

/** Inserts `rows` rows into a new variable group of `projectId`; returns the milliseconds it took. */
export async function insertRaw(db, projectId, rows) {
  const group = await db
    .prepare(
      "INSERT INTO variable_groups (project_id, id, name, fields, updated_at) VALUES (?1, 'raw', 'raw', ?2, ?3) RETURNING pk",
    )
    .bind(projectId, JSON.stringify(["first_name", "city"]), Date.now())
    .first();
  const insert = db.prepare(
    `INSERT INTO variable_values (group_pk, number, "values", updated_at) SELECT ?1, j.value ->> 0, j.value -> 1, ?2 FROM json_each(?3) j`,
  );
  const started = performance.now();
  const flying = new Set();
  let next = 0;
  while (next < rows) {
    const statements = [];
    for (let s = 0; s < BATCH_STATEMENTS && next < rows; s++) {
      const part = [];
      for (const end = Math.min(rows, next + STATEMENT_ROWS); next < end; next++) {
        const { number, first_name, city } = row(next);
        part.push([number, { first_name, city }]);
      }
      statements.push(insert.bind(group.pk, Date.now(), JSON.stringify(part)));
    }
    const batch = db.batch(statements).finally(() => flying.delete(batch));
    flying.add(batch);
    if (flying.size >= IN_FLIGHT) await Promise.race(flying);
  }
  await Promise.all(flying);
  const ms = performance.now() - started;
  const { n } = await db
    .prepare("SELECT count(*) AS n FROM variable_values WHERE group_pk = ?1")
    .bind(group.pk)
    .first();
  if (n !== rows) throw new Error(`raw baseline inserted ${n} rows, not ${rows}`);
  return ms;
}
