import { and, asc, eq, gt, ne, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../../platform/db/client";
import { variableGroups, variableValues } from "../../platform/db/schema";
import { iso } from "../../platform/time";
import { upsertValuesStatements } from "../audiences/bulk";
import type { VariableGroup } from "./schemas";

const groupColumns = {
  pk: variableGroups.pk,
  id: variableGroups.id,
  name: variableGroups.name,
  description: variableGroups.description,
  fields: variableGroups.fields,
  kind: variableGroups.kind,
  campaignId: variableGroups.campaignId,
  createdAt: variableGroups.createdAt,
  updatedAt: variableGroups.updatedAt,
  // Counted on the primary key (group_pk, number).
  values: sql<number>`(SELECT count(*) FROM variable_values vv WHERE vv.group_pk = "variable_groups"."pk")`,
};

export interface GroupRow {
  pk: number;
  id: string;
  name: string;
  description: string | null;
  fields: unknown;
  kind: "values" | "input";
  campaignId: string | null;
  createdAt: number;
  updatedAt: number;
  values: number;
}

export function toVariableGroup(row: GroupRow): VariableGroup {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    fields: row.fields as string[],
    type: row.kind,
    campaignId: row.campaignId,
    values: row.values,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

const byId = (projectId: string, id: string) => and(eq(variableGroups.projectId, projectId), eq(variableGroups.id, id));

const selectGroup = (db: Db, projectId: string, id: string) =>
  db.select(groupColumns).from(variableGroups).where(byId(projectId, id));

export async function getGroup(db: Db, projectId: string, id: string): Promise<GroupRow | undefined> {
  return (await selectGroup(db, projectId, id).get()) as GroupRow | undefined;
}

/** The id of another group of the project with this name, if any. */
export async function groupNamed(db: Db, projectId: string, name: string, exceptId: string) {
  const row = await db
    .select({ id: variableGroups.id })
    .from(variableGroups)
    .where(and(eq(variableGroups.projectId, projectId), eq(variableGroups.name, name), ne(variableGroups.id, exceptId)))
    .get();
  return row?.id;
}

/** `limit + 1` groups of both kinds after `afterPk`, oldest first (for `toPage`). */
export async function listGroups(db: Db, projectId: string, afterPk: number | undefined, limit: number) {
  const conditions: SQL[] = [eq(variableGroups.projectId, projectId)];
  if (afterPk !== undefined) conditions.push(gt(variableGroups.pk, afterPk));
  return (await db
    .select(groupColumns)
    .from(variableGroups)
    .where(and(...conditions))
    .orderBy(asc(variableGroups.pk))
    .limit(limit + 1)
    .all()) as GroupRow[];
}

export interface SaveGroup {
  id: string;
  name: string;
  description?: string | null;
  /** The group's whole field list after this call. */
  fields: string[];
  values: { number: string; values: Record<string, string> }[];
}

/**
 * Creates a values group or updates its name, description and fields, and merges the values, in
 * one D1 batch. Never touches an input group (those belong to their campaign). Input must be valid.
 */
export async function saveGroup(db: Db, projectId: string, input: SaveGroup, now = Date.now()) {
  const set: Partial<typeof variableGroups.$inferInsert> = { name: input.name, fields: input.fields, updatedAt: now };
  if (input.description !== undefined) set.description = input.description;
  const pk = sql`(SELECT pk FROM variable_groups WHERE project_id = ${projectId} AND id = ${input.id} AND kind = 'values')`;
  const statements: BatchItem<"sqlite">[] = [
    db
      .insert(variableGroups)
      .values({
        projectId,
        id: input.id,
        name: input.name,
        description: input.description ?? null,
        fields: input.fields,
        kind: "values",
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoUpdate({
        target: [variableGroups.projectId, variableGroups.id],
        set,
        setWhere: sql`${variableGroups.kind} = 'values'`,
      }),
    ...upsertValuesStatements(db, pk, input.values, now),
    selectGroup(db, projectId, input.id),
  ];
  const results = (await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]])) as unknown[][];
  return results.at(-1)?.[0] as GroupRow;
}

/** `limit + 1` rows of a group's values after `afterNumber`, in number order (the primary key's). */
export async function groupValues(db: Db, groupPk: number, afterNumber: string | undefined, limit: number) {
  const conditions: SQL[] = [eq(variableValues.groupPk, groupPk)];
  if (afterNumber !== undefined) conditions.push(gt(variableValues.number, afterNumber));
  const rows = await db
    .select({ number: variableValues.number, values: variableValues.values })
    .from(variableValues)
    .where(and(...conditions))
    .orderBy(asc(variableValues.number))
    .limit(limit + 1)
    .all();
  return rows as { number: string; values: Record<string, string> }[];
}
