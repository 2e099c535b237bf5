import { and, eq, or, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { inJsonList } from "../../platform/db/json-list";
import { audiences } from "../../platform/db/schema";
import { type SegmentFilter, segmentCondition } from "./segment";

/** The reserved audience reference meaning every contact of the project. */
export const ALL_AUDIENCE = "all";

/** What a run targets, resolved from the references a client gave. */
export type AudienceTarget =
  | { kind: "all" }
  | { kind: "list"; pk: number; id: string }
  | { kind: "segment"; pk: number; id: string; filter: SegmentFilter };

/**
 * Resolves audience references: `all`, an audience id, or, failing an id, an audience name that
 * only one audience has (the reference document's own example names its audience by name).
 * References that match nothing, or a name shared by several audiences, come back in `unknown`.
 */
export async function resolveAudiences(
  db: Db,
  projectId: string,
  refs: string[],
): Promise<{ targets: AudienceTarget[]; unknown: string[] }> {
  const wanted = [...new Set(refs)];
  if (wanted.includes(ALL_AUDIENCE)) return { targets: [{ kind: "all" }], unknown: [] };
  const rows =
    wanted.length === 0
      ? []
      : await db
          .select({ pk: audiences.pk, id: audiences.id, name: audiences.name, filter: audiences.filter })
          .from(audiences)
          .where(
            // One JSON parameter per list: a run may name 50 audiences, by id or by name.
            and(
              eq(audiences.projectId, projectId),
              or(inJsonList(audiences.id, wanted), inJsonList(audiences.name, wanted)),
            ),
          );
  const targets: AudienceTarget[] = [];
  const unknown: string[] = [];
  const seen = new Set<number>();
  for (const ref of wanted) {
    const byId = rows.find((r) => r.id === ref);
    const byName = rows.filter((r) => r.name === ref);
    const row = byId ?? (byName.length === 1 ? byName[0] : undefined);
    if (!row) {
      unknown.push(ref);
      continue;
    }
    if (seen.has(row.pk)) continue;
    seen.add(row.pk);
    targets.push(
      row.filter
        ? { kind: "segment", pk: row.pk, id: row.id, filter: row.filter as SegmentFilter }
        : { kind: "list", pk: row.pk, id: row.id },
    );
  }
  return { targets, unknown };
}

export interface AudienceContact {
  id: number;
  number: string;
  optedOut: boolean;
}

/**
 * The rows of a target after `afterContactId`, as FROM and WHERE over contacts alias `c`, with the
 * column to order by. A list is read from audience_members by its primary key
 * (audience_pk, contact_id), so a page costs its own size: an `IN (SELECT … members)` would make
 * SQLite materialise every remaining member on each page.
 */
export function targetRows(projectId: string, target: AudienceTarget, afterContactId: number) {
  if (target.kind === "list") {
    return {
      from: sql`audience_members m JOIN contacts c ON c.id = m.contact_id`,
      where: sql`m.audience_pk = ${target.pk} AND m.contact_id > ${afterContactId} AND +c.project_id = ${projectId}`,
      orderBy: sql`m.contact_id`,
    };
  }
  const where =
    target.kind === "all"
      ? // contacts_project_id serves this as one range: each page costs its own size.
        sql`c.project_id = ${projectId} AND c.id > ${afterContactId}`
      : sql`c.id > ${afterContactId} AND ${segmentCondition(projectId, target.filter)}`;
  return { from: sql`contacts c`, where, orderBy: sql`c.id` };
}

/**
 * One keyset page of a target's contacts, in contact id order, after `afterContactId`. Bounded by
 * `limit`, so a run's fan-out reads any audience size a page per job.
 */
export async function audiencePage(
  db: Db,
  projectId: string,
  target: AudienceTarget,
  afterContactId: number,
  limit: number,
): Promise<AudienceContact[]> {
  const { from, where, orderBy } = targetRows(projectId, target, afterContactId);
  const rows = await db.all<{ id: number; number: string; opted_out: number }>(
    sql`SELECT c.id, c.number, c.opted_out FROM ${from} WHERE ${where} ORDER BY ${orderBy} LIMIT ${limit}`,
  );
  return rows.map((r) => ({ id: r.id, number: r.number, optedOut: r.opted_out === 1 }));
}
