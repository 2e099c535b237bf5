import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { audienceMembers, contacts, variableValues } from "../../platform/db/schema";

/** A contact as an audience or import adds it: the number in E.164 and, optionally, who it is. */
export interface MemberInput {
  number: string;
  name?: string | null;
  source?: string | null;
}

// D1 binds at most 100 parameters per statement, so bulk writes pass their rows as ONE JSON
// parameter and unpack it with json_each: a statement then writes hundreds of rows. Rows per
// statement are capped so that one parameter stays far below D1's 2 MB value limit.
export const ROWS_PER_STATEMENT = 500;

function chunks<T>(rows: T[], size = ROWS_PER_STATEMENT): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/** Where a member's number, name and source sit in a row of a JSON list (a JSON path each). */
export interface MemberColumns {
  number: string;
  name: string;
  source: string;
}

const MEMBER_ROW: MemberColumns = { number: "$[0]", name: "$[1]", source: "$[2]" };

/**
 * The statements that create missing contacts (a name or source given here fills or replaces the
 * stored one; omitted ones are kept; row by row, so the last one given wins) and add them to the
 * audience with primary key `audiencePk`, two per JSON list of rows laid out as `columns` says.
 * `audiencePk` may be a scalar subquery, so that an audience inserted earlier in the same batch can
 * be filled before its pk is known. A statement writes only while `onlyIf` holds when it runs (an
 * import's position, checked inside the batch).
 */
export function membersFromLists(
  db: Db,
  projectId: string,
  audiencePk: number | SQL,
  lists: string[],
  columns: MemberColumns,
  now = Date.now(),
  onlyIf: SQL = sql`true`,
) {
  // The paths are this module's constants and the callers', never a request's: safe to inline.
  const number = sql.raw(`'${columns.number}'`);
  const name = sql.raw(`'${columns.name}'`);
  const source = sql.raw(`'${columns.source}'`);
  // insert().select(sql) names every column of the table, in table order.
  return lists.flatMap((list) => [
    db
      .insert(contacts)
      .select(
        // …, opted_out, opt_changed_at, user_id, last_message_at, created_at, updated_at.
        sql`SELECT NULL, ${projectId}, j.value ->> ${number}, j.value ->> ${name}, j.value ->> ${source}, 0, NULL, NULL, NULL, ${now}, ${now} FROM json_each(${list}) j WHERE ${onlyIf}`,
      )
      .onConflictDoUpdate({
        target: [contacts.projectId, contacts.number],
        set: {
          name: sql`coalesce(excluded.name, ${contacts.name})`,
          source: sql`coalesce(excluded.source, ${contacts.source})`,
        },
      }),
    // CROSS JOIN keeps the list as the outer loop, one index lookup per row: left to itself, the
    // planner may walk the project's contacts and scan the list for each (rows × contacts).
    db
      .insert(audienceMembers)
      .select(
        sql`SELECT ${audiencePk}, c.id, ${now} FROM json_each(${list}) j CROSS JOIN contacts c ON c.project_id = ${projectId} AND c.number = j.value ->> ${number} WHERE ${onlyIf}`,
      )
      .onConflictDoNothing(),
  ]);
}

/**
 * membersFromLists for members given one by one, ROWS_PER_STATEMENT rows to a list. Run them in one
 * `db.batch` with whatever else must be atomic with them. Numbers must already be E.164 and unique
 * within `members`.
 */
export function addMembersStatements(
  db: Db,
  projectId: string,
  audiencePk: number | SQL,
  members: MemberInput[],
  now = Date.now(),
  onlyIf: SQL = sql`true`,
) {
  const lists = chunks(members).map((part) =>
    JSON.stringify(part.map((m) => [m.number, m.name ?? null, m.source ?? null])),
  );
  return membersFromLists(db, projectId, audiencePk, lists, MEMBER_ROW, now, onlyIf);
}

/**
 * The statements that merge per-number values into the variable group with primary key
 * `groupPk` (a number, or a scalar subquery as for addMembersStatements): a number already in the
 * group keeps the fields not given here (JSON merge patch). `onlyIf` as for addMembersStatements.
 */
export function upsertValuesStatements(
  db: Db,
  groupPk: number | SQL,
  values: { number: string; values: Record<string, string> }[],
  now = Date.now(),
  onlyIf: SQL = sql`true`,
) {
  return chunks(values).map((part) => {
    const rows = JSON.stringify(part.map((v) => [v.number, v.values]));
    return db
      .insert(variableValues)
      .select(
        sql`SELECT ${groupPk}, j.value ->> '$[0]', j.value -> '$[1]', ${now} FROM json_each(${rows}) j WHERE ${onlyIf}`,
      )
      .onConflictDoUpdate({
        target: [variableValues.groupPk, variableValues.number],
        set: { values: sql`json_patch(${variableValues.values}, excluded."values")`, updatedAt: now },
      });
  });
}
