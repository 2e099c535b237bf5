import { and, eq, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { inJsonList } from "../../platform/db/json-list";
import { audiences } from "../../platform/db/schema";
import { behaviourReach, type Ledgers } from "./behaviour-reach";
import { type Reached, type SegmentFilter, segmentCondition } from "./segment";

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

// A segment page reads at most this many of the project's contacts, matching or not: a segment
// few contacts match would otherwise make one page read until it filled, the whole table at worst.
// The page then ends early and its cursor moves past what it read (`scannedTo`).
export const SEGMENT_SCAN = 5_000;

/**
 * The rows of a list or `all` after `afterContactId`, as FROM and WHERE over contacts alias `c`,
 * with the column to order by. A list is read from audience_members by its primary key
 * (audience_pk, contact_id), so a page costs its own size: an `IN (SELECT … members)` would make
 * SQLite materialise every remaining member on each page.
 */
function memberRows(projectId: string, target: Exclude<AudienceTarget, { kind: "segment" }>, afterContactId: number) {
  if (target.kind === "list") {
    return {
      from: sql`audience_members m JOIN contacts c ON c.id = m.contact_id`,
      where: sql`m.audience_pk = ${target.pk} AND m.contact_id > ${afterContactId} AND +c.project_id = ${projectId}`,
      orderBy: sql`m.contact_id`,
    };
  }
  // contacts_project_id serves this as one range: each page costs its own size.
  return {
    from: sql`contacts c`,
    where: sql`c.project_id = ${projectId} AND c.id > ${afterContactId}`,
    orderBy: sql`c.id`,
  };
}

export interface TargetPage<Row> {
  rows: Row[];
  /**
   * A segment page that read its whole scan without filling: the last contact id it read, where
   * the next page starts. Null when the page read to the end of the project's contacts, and for
   * lists and `all`, whose pages end only when they are short.
   */
  scannedTo: number | null;
}

/**
 * Up to `limit` rows of a target after `afterContactId`, in contact id order, with `columns` of
 * contacts `c` (which must include `c.id`); one statement. Bounded whatever the audience: a list or
 * `all` reads its page, a segment at most `scan` contacts. `ledgers`: the runs' objects a segment's
 * behaviour conditions ask about their window first (./behaviour-reach.ts); without them, runs kept
 * in objects count as never having messaged anyone.
 */
export async function targetPage<Row extends { id: number }>(
  db: Db,
  projectId: string,
  target: AudienceTarget,
  afterContactId: number,
  limit: number,
  columns: SQL,
  scan = SEGMENT_SCAN,
  ledgers?: Ledgers,
): Promise<TargetPage<Row>> {
  if (target.kind !== "segment") {
    const { from, where, orderBy } = memberRows(projectId, target, afterContactId);
    const rows = await db.all<Row>(
      sql`SELECT ${columns} FROM ${from} WHERE ${where} ORDER BY ${orderBy} LIMIT ${limit}`,
    );
    return { rows, scannedTo: null };
  }
  const reach = ledgers ? await behaviourReach(ledgers, db, projectId, target.filter) : undefined;
  let window: ScanWindow | undefined;
  let reached: Reached = [];
  if (reach) {
    window = await scanWindow(db, projectId, afterContactId, scan);
    if (window.last === null) return { rows: [], scannedTo: null };
    reached = await reach(afterContactId, window.last);
  }
  const found = await segmentPageQuery<Row>(
    db,
    projectId,
    target.filter,
    afterContactId,
    limit,
    columns,
    scan,
    reached,
    window,
  );
  const scanned = found[0];
  return {
    rows: found.filter((r) => r.id !== null),
    scannedTo: scanned && scanned.scan_n === scan ? scanned.scan_last : null,
  };
}

/** The next `scan` contact ids after a cursor: the last of them (null: none) and how many. */
export interface ScanWindow {
  last: number | null;
  n: number;
}

export async function scanWindow(db: Db, projectId: string, afterContactId: number, scan: number) {
  const [row] = await db.all<ScanWindow>(sql`
    SELECT max(w.id) AS last, count(*) AS n
    FROM (SELECT id FROM contacts WHERE project_id = ${projectId} AND id > ${afterContactId} ORDER BY id LIMIT ${scan}) w`);
  return row ?? { last: null, n: 0 };
}

/**
 * A segment's page as one statement. `scan`: the next `scan` contact ids after the cursor, from
 * contacts_project_id alone, read once (MATERIALIZED); the page is the range up to the last of them.
 * The LEFT JOIN answers one row even when nothing in the range matches, so the scan's end always
 * comes back. A `window` read before (to ask the runs' objects about it) is the scan instead, so the
 * page covers exactly the contacts `reached` answers for.
 */
export function segmentPageQuery<Row>(
  db: Db,
  projectId: string,
  filter: SegmentFilter,
  afterContactId: number,
  limit: number,
  columns: SQL,
  scan: number,
  reached: Reached = [],
  window?: ScanWindow,
) {
  const scanned = window
    ? sql`SELECT ${window.last} AS last, ${window.n} AS n`
    : sql`SELECT max(w.id) AS last, count(*) AS n
          FROM (SELECT id FROM contacts WHERE project_id = ${projectId} AND id > ${afterContactId} ORDER BY id LIMIT ${scan}) w`;
  return db.all<Row & { scan_last: number | null; scan_n: number }>(
    sql`WITH scan AS MATERIALIZED (${scanned}),
        page AS (
          SELECT ${columns} FROM contacts c
          WHERE c.id > ${afterContactId} AND c.id <= (SELECT last FROM scan) AND ${segmentCondition(projectId, filter, reached)}
          ORDER BY c.id LIMIT ${limit}
        )
        SELECT page.*, scan.last AS scan_last, scan.n AS scan_n FROM scan LEFT JOIN page ON true ORDER BY page.id`,
  );
}

export interface AudiencePage {
  contacts: AudienceContact[];
  /** Where the next page of this target starts; null when the target is done. */
  after: number | null;
}

/**
 * One keyset page of a target's contacts, in contact id order, after `afterContactId`, for the
 * fan-out. Bounded by `limit` (and a segment's scan), so a run reads any audience a page per job.
 */
export async function audiencePage(
  db: Db,
  projectId: string,
  target: AudienceTarget,
  afterContactId: number,
  limit: number,
  scan = SEGMENT_SCAN,
  ledgers?: Ledgers,
): Promise<AudiencePage> {
  const { rows, scannedTo } = await targetPage<{ id: number; number: string; opted_out: number }>(
    db,
    projectId,
    target,
    afterContactId,
    limit,
    sql`c.id, c.number, c.opted_out`,
    scan,
    ledgers,
  );
  const contacts = rows.map((r) => ({ id: r.id, number: r.number, optedOut: r.opted_out === 1 }));
  const last = contacts.at(-1);
  const after = contacts.length === limit && last ? last.id : scannedTo;
  return { contacts, after };
}
