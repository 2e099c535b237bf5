import { and, eq, inArray, or, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { inJsonList } from "../../platform/db/json-list";
import { variableGroups, variableValues } from "../../platform/db/schema";

export interface GroupRef {
  pk: number;
  id: string;
  name: string;
  fields: string[];
  kind: "values" | "input";
  campaignId: string | null;
}

const groupColumns = {
  pk: variableGroups.pk,
  id: variableGroups.id,
  name: variableGroups.name,
  fields: variableGroups.fields,
  kind: variableGroups.kind,
  campaignId: variableGroups.campaignId,
};

/**
 * Variable groups named by `refs`, keyed by the ref as given. A message's `{users.first_name}`
 * names its group by name (the reference document's own example), so a name match wins; an id
 * matches when no group has that name.
 */
export async function groupsByRef(db: Db, projectId: string, refs: string[]): Promise<Map<string, GroupRef>> {
  const wanted = [...new Set(refs)];
  const found = new Map<string, GroupRef>();
  if (wanted.length === 0) return found;
  const rows = (await db
    .select(groupColumns)
    .from(variableGroups)
    .where(
      and(
        eq(variableGroups.projectId, projectId),
        // One JSON parameter per list, however many groups a campaign names.
        or(inJsonList(variableGroups.name, wanted), inJsonList(variableGroups.id, wanted)),
      ),
    )) as GroupRef[];
  for (const ref of wanted) {
    const row = rows.find((r) => r.name === ref) ?? rows.find((r) => r.id === ref);
    if (row) found.set(ref, row);
  }
  return found;
}

/**
 * The values the groups hold for the numbers, in one query: number → group pk → field values.
 * A number a group has no row for is absent from that group's map.
 */
export async function valuesForNumbers(
  db: Db,
  groupPks: number[],
  numbers: string[],
): Promise<Map<string, Map<number, Record<string, string>>>> {
  const out = new Map<string, Map<number, Record<string, string>>>();
  if (groupPks.length === 0 || numbers.length === 0) return out;
  const rows = await db
    .select({ groupPk: variableValues.groupPk, number: variableValues.number, values: variableValues.values })
    .from(variableValues)
    .where(
      and(
        inArray(variableValues.groupPk, groupPks),
        // One JSON parameter for the numbers: a page of hundreds stays within D1's bound-parameter limit.
        inJsonList(variableValues.number, numbers),
      ),
    );
  for (const row of rows) {
    let byGroup = out.get(row.number);
    if (!byGroup) {
      byGroup = new Map();
      out.set(row.number, byGroup);
    }
    byGroup.set(row.groupPk, row.values as Record<string, string>);
  }
  return out;
}

/** The fields of an input group: what was pressed, the button's `input` text, and when. */
export const INPUT_GROUP_FIELDS = ["button", "input", "pressedAt"] as const;

export const inputGroupId = (campaignId: string) => `input_${campaignId}`;

/**
 * The statement creating a campaign's input group: named after the campaign (as the reference
 * document says), with id `input_<campaignId>`. Put it in the same batch as the campaign insert.
 */
export function insertInputGroup(db: Db, projectId: string, campaignId: string, name: string, now = Date.now()) {
  return db.insert(variableGroups).values({
    projectId,
    id: inputGroupId(campaignId),
    name,
    description: "Button presses collected by this campaign's input buttons",
    fields: [...INPUT_GROUP_FIELDS],
    kind: "input",
    campaignId,
    createdAt: now,
    updatedAt: now,
  });
}

/** One press of an input button, for its campaign's input group. */
export interface InputPress {
  campaignId: string;
  number: string;
  button: string;
  input: string;
  pressedAt: number;
}

/**
 * Records presses into their campaigns' input groups (the latest press of a number wins, whatever
 * the order they come in), in one statement for any number of them. A campaign without an input
 * group records nothing.
 */
export function recordInputStatement(db: Db, projectId: string, presses: InputPress[]) {
  // Values are text; the time is ISO 8601 like every timestamp the API shows.
  const rows = JSON.stringify(
    presses.map((p) => [
      inputGroupId(p.campaignId),
      p.number,
      JSON.stringify({ button: p.button, input: p.input, pressedAt: new Date(p.pressedAt).toISOString() }),
      p.pressedAt,
    ]),
  );
  return db
    .insert(variableValues)
    .select(
      sql`SELECT g.pk, j.value ->> '$[1]', json(j.value ->> '$[2]'), j.value ->> '$[3]'
          FROM json_each(${rows}) j JOIN variable_groups g ON g.project_id = ${projectId} AND g.id = j.value ->> '$[0]'`,
    )
    .onConflictDoUpdate({
      target: [variableValues.groupPk, variableValues.number],
      set: { values: sql`excluded."values"`, updatedAt: sql`excluded.updated_at` },
      setWhere: sql`${variableValues.updatedAt} <= excluded.updated_at`,
    });
}
