import { and, asc, eq, gt, ne, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../../platform/db/client";
import { audienceMembers, audiences } from "../../platform/db/schema";
import { iso } from "../../platform/time";
import type { Ledgers } from "./behaviour-reach";
import { addMembersStatements, type MemberInput } from "./bulk";
import { type AudienceTarget, type TargetPage, targetPage } from "./members";
import type { Audience } from "./schemas";
import type { SegmentFilter } from "./segment";

// Members of a list, counted on the primary key (audience_pk, contact_id); a segment has no
// stored members, so it reports null.
const audienceColumns = {
  pk: audiences.pk,
  id: audiences.id,
  name: audiences.name,
  description: audiences.description,
  filter: audiences.filter,
  createdAt: audiences.createdAt,
  updatedAt: audiences.updatedAt,
  members: sql<
    number | null
  >`CASE WHEN "audiences"."filter" IS NULL THEN (SELECT count(*) FROM audience_members am WHERE am.audience_pk = "audiences"."pk") END`,
};

export interface AudienceRow {
  pk: number;
  id: string;
  name: string;
  description: string | null;
  filter: unknown;
  createdAt: number;
  updatedAt: number;
  members: number | null;
}

export function toAudience(row: AudienceRow): Audience {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    type: row.filter === null ? "list" : "segment",
    filter: (row.filter as SegmentFilter | null) ?? null,
    contacts: row.members,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

export const targetOf = (row: Pick<AudienceRow, "pk" | "id" | "filter">): AudienceTarget =>
  row.filter === null
    ? { kind: "list", pk: row.pk, id: row.id }
    : { kind: "segment", pk: row.pk, id: row.id, filter: row.filter as SegmentFilter };

const byId = (projectId: string, id: string) => and(eq(audiences.projectId, projectId), eq(audiences.id, id));

const selectAudience = (db: Db, projectId: string, id: string) =>
  db.select(audienceColumns).from(audiences).where(byId(projectId, id));

export async function getAudience(db: Db, projectId: string, id: string): Promise<AudienceRow | undefined> {
  return (await selectAudience(db, projectId, id).get()) as AudienceRow | undefined;
}

/** The id of another audience of the project with this name, if any. */
export async function audienceNamed(db: Db, projectId: string, name: string, exceptId: string) {
  const row = await db
    .select({ id: audiences.id })
    .from(audiences)
    .where(and(eq(audiences.projectId, projectId), eq(audiences.name, name), ne(audiences.id, exceptId)))
    .get();
  return row?.id;
}

/** `limit + 1` audiences after `afterPk`, oldest first (for `toPage`). */
export async function listAudiences(db: Db, projectId: string, afterPk: number | undefined, limit: number) {
  const conditions: SQL[] = [eq(audiences.projectId, projectId)];
  if (afterPk !== undefined) conditions.push(gt(audiences.pk, afterPk));
  return (await db
    .select(audienceColumns)
    .from(audiences)
    .where(and(...conditions))
    .orderBy(asc(audiences.pk))
    .limit(limit + 1)
    .all()) as AudienceRow[];
}

// The audience's pk as a scalar subquery: a batch can insert the audience and fill it at once.
const pkOf = (projectId: string, id: string) =>
  sql`(SELECT pk FROM audiences WHERE project_id = ${projectId} AND id = ${id})`;

/** Memberships of the audience held by the given numbers. */
const membershipsOf = (projectId: string, id: string, numbers: string[]) =>
  sql`${audienceMembers.audiencePk} = ${pkOf(projectId, id)} AND ${audienceMembers.contactId} IN (SELECT c.id FROM contacts c WHERE c.project_id = ${projectId} AND c.number IN (SELECT value FROM json_each(${JSON.stringify(numbers)})))`;

// Members of the audience among the given numbers: counted before and after adding (or removing)
// them, in the same transaction, this is exactly what the call changed, at the cost of the call's
// own size rather than the audience's.
const membersAmong = (db: Db, projectId: string, id: string, numbers: string[]) =>
  db
    .select({ n: sql<number>`count(*)` })
    .from(audienceMembers)
    .where(membershipsOf(projectId, id, numbers));

export interface SaveAudience {
  id: string;
  name: string;
  description?: string | null;
  filter?: SegmentFilter;
  members: MemberInput[];
}

/**
 * Creates the audience or updates its name, description (and, for a segment, filter), and adds
 * the members, all in one D1 batch: a failure leaves nothing half-written. Input must be valid.
 */
export async function saveAudience(db: Db, projectId: string, input: SaveAudience, now = Date.now()) {
  const update: Partial<typeof audiences.$inferInsert> = { name: input.name, updatedAt: now };
  if (input.description !== undefined) update.description = input.description;
  if (input.filter !== undefined) update.filter = input.filter;
  const upsert = db
    .insert(audiences)
    .values({
      projectId,
      id: input.id,
      name: input.name,
      description: input.description ?? null,
      filter: input.filter ?? null,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoUpdate({ target: [audiences.projectId, audiences.id], set: update });
  const numbers = input.members.map((m) => m.number);
  const counted = numbers.length > 0;
  const statements: BatchItem<"sqlite">[] = [
    upsert,
    ...(counted ? [membersAmong(db, projectId, input.id, numbers)] : []),
    ...addMembersStatements(db, projectId, pkOf(projectId, input.id), input.members, now),
    ...(counted ? [membersAmong(db, projectId, input.id, numbers)] : []),
    selectAudience(db, projectId, input.id),
  ];
  const results = (await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]])) as unknown[][];
  const countAt = (i: number) => (results[i] as { n: number }[])[0]?.n ?? 0;
  const added = counted ? countAt(results.length - 2) - countAt(1) : 0;
  return { audience: results.at(-1)?.[0] as AudienceRow, added };
}

/** Removes the numbers' memberships (the contacts stay), returning how many there were. */
export async function removeMembers(db: Db, projectId: string, id: string, numbers: string[], now = Date.now()) {
  const [removed, , read] = await db.batch([
    db
      .delete(audienceMembers)
      .where(membershipsOf(projectId, id, numbers))
      .returning({ contactId: audienceMembers.contactId }),
    db.update(audiences).set({ updatedAt: now }).where(byId(projectId, id)),
    selectAudience(db, projectId, id),
  ]);
  return { audience: read[0] as AudienceRow | undefined, removed: removed.length };
}

/** Deletes the audience and its memberships (not the contacts); the audience as it was, or undefined. */
export async function deleteAudience(db: Db, projectId: string, id: string) {
  const [before, deleted] = await db.batch([
    selectAudience(db, projectId, id),
    db.delete(audiences).where(byId(projectId, id)).returning({ pk: audiences.pk }),
  ]);
  return deleted.length > 0 ? (before[0] as AudienceRow) : undefined;
}

export interface MemberRow {
  id: number;
  number: string;
  name: string | null;
  source: string | null;
  optedOut: boolean;
}

/**
 * `limit + 1` contacts of the target after contact id `after` (a segment is evaluated now, over at
 * most SEGMENT_SCAN contacts: `scannedTo` says where to go on when that ends the page early).
 */
export async function audienceContacts(
  db: Db,
  projectId: string,
  target: AudienceTarget,
  after: number,
  limit: number,
  ledgers: Ledgers,
): Promise<TargetPage<MemberRow>> {
  const page = await targetPage<{
    id: number;
    number: string;
    name: string | null;
    source: string | null;
    opted_out: number;
  }>(db, projectId, target, after, limit + 1, sql`c.id, c.number, c.name, c.source, c.opted_out`, undefined, ledgers);
  return {
    rows: page.rows.map((r) => ({
      id: r.id,
      number: r.number,
      name: r.name,
      source: r.source,
      optedOut: r.opted_out === 1,
    })),
    scannedTo: page.scannedTo,
  };
}
