// What the benchmarks that run a broadcast share: a JSON call to the public API, and an audience
// written straight into D1 (seeding is not what they measure).

/** A call to the Worker's public API with a project key; throws on any answer but 2xx. */
export async function api(url, key, method, path, body) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: key, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

const ROWS_PER_STATEMENT = 1000;

/**
 * Writes `count` contacts (`numberOf(i)`, E.164) into an existing audience, and with `groupId`
 * their values in that variable group (`first_name`, `code`), in one D1 batch per 1,000 rows.
 */
export async function seedAudience(db, { projectId, audienceId, count, numberOf, groupId }) {
  const pk = async (table, id) =>
    (await db.prepare(`SELECT pk FROM ${table} WHERE project_id = ? AND id = ?`).bind(projectId, id).first()).pk;
  const audiencePk = await pk("audiences", audienceId);
  const groupPk = groupId === undefined ? undefined : await pk("variable_groups", groupId);
  for (let i = 0; i < count; i += ROWS_PER_STATEMENT) {
    const rows = JSON.stringify(
      Array.from({ length: Math.min(ROWS_PER_STATEMENT, count - i) }, (_, j) => numberOf(i + j)),
    );
    await db.batch([
      db
        .prepare(
          "INSERT INTO contacts (project_id, number, updated_at) SELECT ?, value, 0 FROM json_each(?) WHERE true ON CONFLICT DO NOTHING",
        )
        .bind(projectId, rows),
      db
        .prepare(
          "INSERT INTO audience_members (audience_pk, contact_id, added_at) SELECT ?, c.id, 0 FROM json_each(?) j JOIN contacts c ON c.project_id = ? AND c.number = j.value WHERE true ON CONFLICT DO NOTHING",
        )
        .bind(audiencePk, rows, projectId),
      ...(groupPk === undefined
        ? []
        : [
            db
              .prepare(
                `INSERT INTO variable_values (group_pk, number, "values", updated_at) SELECT ?, value, json_object('first_name', 'Asha', 'code', 'C' || key), 0 FROM json_each(?) WHERE true ON CONFLICT DO NOTHING`,
              )
              .bind(groupPk, rows),
          ]),
    ]);
  }
}
