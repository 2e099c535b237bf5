import { and, asc, desc, eq, inArray, lt, sql } from "drizzle-orm";
import type { SQLiteUpdateSetSource } from "drizzle-orm/sqlite-core";
import type { Db } from "../../platform/db/client";
import { inJsonList } from "../../platform/db/json-list";
import { campaigns, isBroadcastRun, runs, templates } from "../../platform/db/schema";
import type { RunRow, RunStatus } from "./schemas";

/** Where a run's fan-out stands: the audience (by index) and the last contact done in it. */
export interface FanoutCursor {
  audience: number;
  /** Last contact id done in that audience; for a retry run, the last source message id. */
  after: number | string;
}

export const START_CURSOR: FanoutCursor = { audience: 0, after: 0 };

/** Every run of the given campaigns, oldest first: what a campaign listing shows under `runs`. */
export async function listRunsOfCampaigns(db: Db, projectId: string, campaignIds: string[]): Promise<RunRow[]> {
  if (campaignIds.length === 0) return [];
  return db
    .select()
    .from(runs)
    .where(
      and(
        eq(runs.projectId, projectId),
        isBroadcastRun(),
        // One JSON parameter: a page of up to 500 campaigns stays within D1's bound-parameter limit.
        inJsonList(runs.campaignId, campaignIds),
      ),
    )
    .orderBy(asc(runs.createdAt), asc(runs.id))
    .all();
}

export async function getRun(db: Db, projectId: string, runId: string): Promise<RunRow | undefined> {
  return db
    .select()
    .from(runs)
    .where(and(eq(runs.id, runId), eq(runs.projectId, projectId), isBroadcastRun()))
    .get();
}

/** A page of a project's runs, newest first (ids start with their creation time). */
export async function listRuns(
  db: Db,
  projectId: string,
  filters: { campaignId?: string; status?: RunStatus },
  beforeId: string | undefined,
  limit: number,
): Promise<RunRow[]> {
  return db
    .select()
    .from(runs)
    .where(
      and(
        eq(runs.projectId, projectId),
        isBroadcastRun(),
        filters.campaignId === undefined ? undefined : eq(runs.campaignId, filters.campaignId),
        filters.status === undefined ? undefined : eq(runs.status, filters.status),
        beforeId === undefined ? undefined : lt(runs.id, beforeId),
      ),
    )
    .orderBy(desc(runs.id))
    .limit(limit + 1)
    .all();
}

/** A broadcast campaign as a run needs it before fan-out: its template and that template's review. */
export interface RunCampaign {
  id: string;
  templateId: string | null;
  templateName: string | null;
  templateStatus: (typeof templates.$inferSelect)["status"] | null;
  rejectedReason: string | null;
}

export async function runCampaign(db: Db, projectId: string, campaignId: string): Promise<RunCampaign | undefined> {
  return db
    .select({
      id: campaigns.id,
      templateId: campaigns.templateId,
      templateName: templates.name,
      templateStatus: templates.status,
      rejectedReason: templates.rejectedReason,
    })
    .from(campaigns)
    .leftJoin(templates, and(eq(templates.id, campaigns.templateId), eq(templates.projectId, campaigns.projectId)))
    .where(and(eq(campaigns.id, campaignId), eq(campaigns.projectId, projectId), eq(campaigns.kind, "broadcast")))
    .get();
}

/**
 * Moves a run from one of `from` to `to` (compare-and-set on the status), with the other columns
 * in `set`. Returns the row when it moved, so that exactly one of racing callers acts on a move.
 */
export async function moveRun(
  db: Db,
  runId: string,
  from: readonly RunStatus[],
  to: RunStatus,
  set: Partial<typeof runs.$inferInsert> = {},
): Promise<RunRow | undefined> {
  return db
    .update(runs)
    .set({ ...set, status: to, updatedAt: Date.now() })
    .where(and(eq(runs.id, runId), inArray(runs.status, [...from])))
    .returning()
    .get();
}

/**
 * Moves a fanning-out run's cursor past a page (`next`; null: the page was the last, and the run
 * starts sending), with `set` besides, only if the cursor is still the one the page was read at
 * (`run.cursor`): of two deliveries of one page, one moves it. Returns the run's id when it moved.
 */
export function advanceCursor(
  db: Db,
  run: Pick<RunRow, "id" | "cursor">,
  next: unknown,
  now: number,
  set: SQLiteUpdateSetSource<typeof runs> = {},
) {
  return db
    .update(runs)
    .set({
      ...set,
      cursor: next ?? run.cursor,
      updatedAt: now,
      ...(next === null ? { status: "sending" as const, fannedOutAt: now } : {}),
    })
    .where(
      and(
        eq(runs.id, run.id),
        eq(runs.status, "fanning_out"),
        sql`${runs.cursor} IS ${run.cursor === null ? null : JSON.stringify(run.cursor)}`,
      ),
    )
    .returning({ id: runs.id });
}
