import { and, asc, eq, gt, isNotNull, ne, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { isUniqueViolation } from "../../platform/db/errors";
import { campaigns, templates } from "../../platform/db/schema";
import { newId } from "../../platform/ids";
import type { HeaderFormat, TemplateCategory, TemplateParams, TemplateStatus } from "../../whatsapp/provider";

// D1 access for API campaigns (kind "api"). Every function takes the project id and filters by it,
// and by the kind, so no caller reaches another project's campaigns, or a broadcast campaign, by id
// or by name.

export type CampaignRow = typeof campaigns.$inferSelect;
export type CampaignStatus = CampaignRow["status"];
export const CAMPAIGN_STATUSES = ["live", "paused"] as const satisfies readonly CampaignStatus[];

/** What a send needs of the campaign's template. */
export interface ApiCampaignTemplate {
  id: string;
  name: string;
  language: string;
  category: TemplateCategory;
  status: TemplateStatus;
  params: TemplateParams;
  /** The definition's header format; null when the template has no header. */
  headerFormat: HeaderFormat | null;
}

/** An API campaign with its template; `template` is null when the template has been deleted. */
export interface ApiCampaignWithTemplate {
  id: string;
  projectId: string;
  name: string;
  status: CampaignStatus;
  pausedReason: string | null;
  /** The template the campaign names, even when that template no longer exists. */
  templateId: string | null;
  template: ApiCampaignTemplate | null;
  /** Unix milliseconds. */
  createdAt: number;
  updatedAt: number;
}

export const newCampaignId = () => newId("cmp");

const isApi = (projectId: string) => and(eq(campaigns.projectId, projectId), eq(campaigns.kind, "api"));

// One SELECT for every read: the campaign and its template, joined in D1. The join repeats the
// project id, so a template id can only ever resolve within the campaign's own project.
// The template's columns carry aliases: D1 answers a batch with rows as objects keyed by column
// name, so an unaliased `templates.id` would collide with `campaigns.id` (and name, status, …) and
// shift every later column (drizzle reads batch rows by position).
const joinedColumns = {
  id: campaigns.id,
  projectId: campaigns.projectId,
  name: campaigns.name,
  status: campaigns.status,
  pausedReason: campaigns.pausedReason,
  templateId: campaigns.templateId,
  createdAt: campaigns.createdAt,
  updatedAt: campaigns.updatedAt,
  tId: sql<string | null>`${templates.id}`.as("t_id"),
  tName: sql<string | null>`${templates.name}`.as("t_name"),
  tLanguage: sql<string | null>`${templates.language}`.as("t_language"),
  tCategory: sql<TemplateCategory | null>`${templates.category}`.as("t_category"),
  tStatus: sql<TemplateStatus | null>`${templates.status}`.as("t_status"),
  tParams: sql<TemplateParams | null>`${templates.params}`
    .mapWith((json: string): TemplateParams => JSON.parse(json))
    .as("t_params"),
  tHeaderFormat: sql<HeaderFormat | null>`json_extract(${templates.definition}, '$.header.format')`.as(
    "t_header_format",
  ),
};

function selectJoined(db: Db, where: SQL | undefined) {
  return db
    .select(joinedColumns)
    .from(campaigns)
    .leftJoin(templates, and(eq(templates.id, campaigns.templateId), eq(templates.projectId, campaigns.projectId)))
    .where(where);
}

type JoinedRow = NonNullable<Awaited<ReturnType<ReturnType<typeof selectJoined>["get"]>>>;

function toJoined(row: JoinedRow): ApiCampaignWithTemplate {
  const { tId, tName, tLanguage, tCategory, tStatus, tParams, tHeaderFormat, ...campaign } = row;
  // A left join: the template's columns are all null when it no longer exists (the NOT NULL
  // columns are then null together, so checking them all only narrows the types).
  const template =
    tId === null || tName === null || tLanguage === null || tCategory === null || tStatus === null || tParams === null
      ? null
      : {
          id: tId,
          name: tName,
          language: tLanguage,
          category: tCategory,
          status: tStatus,
          params: tParams,
          headerFormat: tHeaderFormat ?? null,
        };
  return { ...campaign, template };
}

/** The project's API campaign with this id and its template, or null. One query. */
export async function getApiCampaign(db: Db, projectId: string, id: string): Promise<ApiCampaignWithTemplate | null> {
  const row = await selectJoined(db, and(isApi(projectId), eq(campaigns.id, id))).get();
  return row ? toJoined(row) : null;
}

/**
 * The project's API campaign with this exact name and its template, or null: what the send path
 * resolves `campaignName` with. Returned whatever its status; the caller decides what a paused
 * campaign or a missing or unapproved template means. One query.
 */
export async function getApiCampaignByName(
  db: Db,
  projectId: string,
  name: string,
): Promise<ApiCampaignWithTemplate | null> {
  const row = await selectJoined(db, and(isApi(projectId), eq(campaigns.name, name))).get();
  return row ? toJoined(row) : null;
}

export interface ApiCampaignFilter {
  status?: CampaignStatus;
}

/** `limit + 1` campaigns after `afterId`, oldest first, each with its template, for toPage. One query. */
export async function listApiCampaigns(
  db: Db,
  projectId: string,
  filter: ApiCampaignFilter,
  afterId: string | undefined,
  limit: number,
): Promise<ApiCampaignWithTemplate[]> {
  const rows = await selectJoined(
    db,
    and(
      isApi(projectId),
      filter.status === undefined ? undefined : eq(campaigns.status, filter.status),
      afterId === undefined ? undefined : gt(campaigns.id, afterId),
    ),
  )
    .orderBy(asc(campaigns.id))
    .limit(limit + 1)
    .all();
  return rows.map(toJoined);
}

export interface NewApiCampaign {
  name: string;
  templateId: string;
  status: CampaignStatus;
}

/**
 * Inserts an API campaign and reads it back with its template, in one atomic D1 batch; undefined
 * when the project already has an API campaign with that name.
 */
export async function insertApiCampaign(
  db: Db,
  projectId: string,
  input: NewApiCampaign,
): Promise<ApiCampaignWithTemplate | undefined> {
  const now = Date.now();
  const id = newCampaignId();
  const [inserted, read] = await db.batch([
    db
      .insert(campaigns)
      .values({
        id,
        // Its messages carry this instead of the id (src/platform/db/schema/campaigns.ts): the
        // next row number, unique since campaigns are never deleted and D1 runs one statement at
        // a time; the unique index `campaigns_ref` would refuse a duplicate anyway.
        ref: sql`CAST((SELECT coalesce(max(rowid), 0) + 1 FROM campaigns) AS TEXT)`,
        projectId,
        kind: "api",
        name: input.name,
        templateId: input.templateId,
        status: input.status,
        pausedReason: null,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing()
      .returning({ id: campaigns.id }),
    selectJoined(db, and(isApi(projectId), eq(campaigns.id, id))),
  ]);
  const row = read[0];
  return inserted.length > 0 && row ? toJoined(row) : undefined;
}

export interface ApiCampaignChanges {
  name?: string;
  templateId?: string;
  status?: CampaignStatus;
}

export type UpdateResult =
  | { kind: "updated"; campaign: ApiCampaignWithTemplate }
  | { kind: "not_found" }
  | { kind: "name_taken" };

/**
 * Writes the given fields (and updatedAt), then reads the campaign back with its template, in one
 * atomic D1 batch. Setting the status to live clears pausedReason; pausing keeps it.
 */
export async function updateApiCampaign(
  db: Db,
  projectId: string,
  id: string,
  changes: ApiCampaignChanges,
): Promise<UpdateResult> {
  const set: Partial<CampaignRow> = { updatedAt: Date.now() };
  if (changes.name !== undefined) set.name = changes.name;
  if (changes.templateId !== undefined) set.templateId = changes.templateId;
  if (changes.status !== undefined) set.status = changes.status;
  if (changes.status === "live") set.pausedReason = null;
  const where = and(isApi(projectId), eq(campaigns.id, id));
  try {
    const [updated, read] = await db.batch([
      db.update(campaigns).set(set).where(where).returning({ id: campaigns.id }),
      selectJoined(db, where),
    ]);
    const row = read[0];
    if (updated.length === 0 || !row) return { kind: "not_found" };
    return { kind: "updated", campaign: toJoined(row) };
  } catch (err) {
    if (isUniqueViolation(err)) return { kind: "name_taken" };
    throw err;
  }
}

/**
 * Pauses or resumes. Idempotent: a campaign already in that state is left as it is (updatedAt and
 * pausedReason included), except that resuming always clears pausedReason. `changed` says whether
 * anything was written. One atomic D1 batch; null when there is no such campaign.
 */
export async function setApiCampaignStatus(
  db: Db,
  projectId: string,
  id: string,
  status: CampaignStatus,
): Promise<{ campaign: ApiCampaignWithTemplate; changed: boolean } | null> {
  const where = and(isApi(projectId), eq(campaigns.id, id));
  const needsChange =
    status === "live"
      ? or(ne(campaigns.status, "live"), isNotNull(campaigns.pausedReason))
      : ne(campaigns.status, "paused");
  const [updated, read] = await db.batch([
    db
      .update(campaigns)
      .set(
        status === "live" ? { status, pausedReason: null, updatedAt: Date.now() } : { status, updatedAt: Date.now() },
      )
      .where(and(where, needsChange))
      .returning({ id: campaigns.id }),
    selectJoined(db, where),
  ]);
  const row = read[0];
  return row ? { campaign: toJoined(row), changed: updated.length > 0 } : null;
}
