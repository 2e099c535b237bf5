import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { importRejects, variableValues } from "../../platform/db/schema";
import { type MemberColumns, membersFromLists } from "../audiences/bulk";
import type { ImportKind } from "./header";
import type { Reject } from "./rows";

// D1 binds at most 100 parameters per statement and at most 2,000,000 bytes in one value, so a
// batch's rows go as JSON lists, one per statement, unpacked with json_each. A list is cut by its
// bytes, not by a count of rows: a row of a variable group holds up to 50 values of 1,024
// characters (150 KB of UTF-8), a reject's reason can name all 50 variables. Half of D1's limit
// keeps well clear of it; fewer, larger statements are what makes an import fast (a statement costs
// a round trip and its own parse, whatever its size).
export const MAX_LIST_BYTES = 1_000_000;

const NOT_ASCII = /[\u0080-\uffff]/;
const encoder = new TextEncoder();
const utf8Bytes = (text: string) => (NOT_ASCII.test(text) ? encoder.encode(text).length : text.length);

/** `items` as JSON lists of at most `maxBytes` bytes of UTF-8 each, in order. */
export function jsonLists(items: unknown[], maxBytes = MAX_LIST_BYTES): string[] {
  const lists: string[] = [];
  let list: string[] = [];
  let bytes = 2;
  for (const item of items) {
    const json = JSON.stringify(item);
    const size = utf8Bytes(json) + 1;
    if (list.length > 0 && bytes + size > maxBytes) {
      lists.push(`[${list.join(",")}]`);
      list = [];
      bytes = 2;
    }
    list.push(json);
    bytes += size;
  }
  if (list.length > 0) lists.push(`[${list.join(",")}]`);
  return lists;
}

// Each statement below takes one list of PendingRows (rows.ts): `[number, name, source]` for an
// audience, `[number, ...values]` for a variable group.

/** The SQL that makes a list entry's values (from its second place on) the JSON object of `fields`. */
function valuesObject(fields: string[]) {
  // Field names are FieldNames (letters, digits, _), checked with the header: safe to inline.
  const pairs = fields.map((field, i) => `'${field.replaceAll("'", "''")}', j.value ->> '$[${i + 1}]'`);
  return sql.raw(`json_object(${pairs.join(", ")})`);
}

/**
 * The statements that merge the rows' values of `fields` into the variable group with primary key
 * `groupPk`, as upsertValuesStatements (audiences/bulk.ts) does: a number already in the group
 * keeps the fields not given here. SQLite applies an upsert row by row, so a number given twice
 * merges in file order.
 */
export function valuesStatements(db: Db, groupPk: number, fields: string[], lists: string[], now: number, onlyIf: SQL) {
  const values = valuesObject(fields);
  return lists.map((list) =>
    db
      .insert(variableValues)
      .select(sql`SELECT ${groupPk}, j.value ->> '$[0]', ${values}, ${now} FROM json_each(${list}) j WHERE ${onlyIf}`)
      .onConflictDoUpdate({
        target: [variableValues.groupPk, variableValues.number],
        set: { values: sql`json_patch(${variableValues.values}, excluded."values")`, updatedAt: now },
      }),
  );
}

// A pending row's list entry (./rows.ts). A variable group's rows carry no name or source: a path
// that names nothing in the entry reads NULL, which keeps the contact's own.
const AUDIENCE_ROW: MemberColumns = { number: "$[0]", name: "$[1]", source: "$[2]" };
const GROUP_ROW: MemberColumns = { number: "$[0]", name: "$.none", source: "$.none" };

/** The statements that create the rows' contacts and add them to the audience with primary key `audiencePk`. */
export const membersStatements = (
  db: Db,
  projectId: string,
  audiencePk: number,
  kind: ImportKind,
  lists: string[],
  now: number,
  onlyIf: SQL,
) => membersFromLists(db, projectId, audiencePk, lists, kind === "audience" ? AUDIENCE_ROW : GROUP_ROW, now, onlyIf);

/** The statements that store an import's rejects; a line already stored stays as it is. */
export function rejectsStatements(db: Db, importId: string, rejects: Reject[], onlyIf: SQL) {
  return jsonLists(rejects.map((r) => [r.line, r.number, r.reason])).map((list) =>
    db
      .insert(importRejects)
      .select(
        sql`SELECT ${importId}, j.value ->> '$[0]', j.value ->> '$[1]', j.value ->> '$[2]' FROM json_each(${list}) j WHERE ${onlyIf}`,
      )
      .onConflictDoNothing(),
  );
}
