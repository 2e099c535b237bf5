import { and, asc, eq, gt, gte, inArray, isNull, lte, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { archiveJobs, archives, projects, runs } from "../../platform/db/schema";

export type ManifestRow = typeof archives.$inferSelect;
export type ArchiveJobRow = typeof archiveJobs.$inferSelect;

/** States in which the object is complete and reads answer from it. */
export const READABLE_STATES = ["written", "pruned"] as const;

/** What is archived per unit: a broadcast run, or one UTC day of an API campaign. */
export interface Unit {
  campaignId: string;
  runId: string | null;
  day: string | null;
}

export const unitKey = (u: Unit) => u.runId ?? `${u.campaignId}:${u.day}`;

/** Deterministic, so a rewrite after a crash replaces the same object instead of adding one. */
export const archiveKey = (projectId: string, u: Unit) =>
  `archive/${projectId}/${u.campaignId}/${u.runId ?? u.day}.ndjson.gz`;

/** A run of the project (another project's id is not found). */
export async function projectRun(db: Db, projectId: string, runId: string) {
  return db
    .select({ id: runs.id, campaignId: runs.campaignId })
    .from(runs)
    .where(and(eq(runs.projectId, projectId), eq(runs.id, runId)))
    .get();
}

export async function retentionDays(db: Db, projectId: string): Promise<number | null> {
  const row = await db.select({ days: projects.retentionDays }).from(projects).where(eq(projects.id, projectId)).get();
  return row?.days ?? null;
}

export async function setRetentionDays(db: Db, projectId: string, days: number) {
  const row = await db
    .update(projects)
    .set({ retentionDays: days })
    .where(eq(projects.id, projectId))
    .returning({ days: projects.retentionDays })
    .get();
  return row?.days ?? null;
}

/** The readable manifests of the given runs of a campaign (one query whatever their number). */
export async function archivedRuns(db: Db, projectId: string, campaignId: string, runId?: string) {
  return db
    .select()
    .from(archives)
    .where(
      and(
        eq(archives.projectId, projectId),
        eq(archives.campaignId, campaignId),
        runId === undefined ? sql`${archives.runId} IS NOT NULL` : eq(archives.runId, runId),
        inArray(archives.state, [...READABLE_STATES]),
      ),
    )
    .orderBy(asc(archives.runId))
    .all();
}

/** The R2 keys of an API campaign's readable archived days. */
export async function archivedApiDays(db: Db, projectId: string, campaignId: string): Promise<string[]> {
  const days = await db
    .select({ r2Key: archives.r2Key })
    .from(archives)
    .where(
      and(
        eq(archives.projectId, projectId),
        eq(archives.campaignId, campaignId),
        isNull(archives.runId),
        inArray(archives.state, [...READABLE_STATES]),
      ),
    )
    .all();
  return days.map((d) => d.r2Key);
}

export async function archivedRun(db: Db, projectId: string, runId: string) {
  return db
    .select()
    .from(archives)
    .where(
      and(eq(archives.projectId, projectId), eq(archives.unit, runId), inArray(archives.state, [...READABLE_STATES])),
    )
    .get();
}

/** Readable manifests whose id range holds `messageId`; ids start with their time, so few do. */
export async function manifestsHolding(db: Db, projectId: string, messageId: string) {
  return db
    .select()
    .from(archives)
    .where(
      and(
        eq(archives.projectId, projectId),
        lte(archives.firstMessageId, messageId),
        gte(archives.lastMessageId, messageId),
        inArray(archives.state, [...READABLE_STATES]),
      ),
    )
    .all();
}

export async function listManifests(db: Db, projectId: string, afterId: number | undefined, limit: number) {
  return db
    .select()
    .from(archives)
    .where(and(eq(archives.projectId, projectId), afterId === undefined ? undefined : gt(archives.id, afterId)))
    .orderBy(asc(archives.id))
    .limit(limit + 1)
    .all();
}

export async function manifestTotals(db: Db, projectId: string) {
  return db
    .select({
      state: archives.state,
      units: sql<number>`count(*)`.mapWith(Number),
      messages: sql<number>`coalesce(sum(${archives.messages}), 0)`.mapWith(Number),
      bytes: sql<number>`coalesce(sum(${archives.bytes}), 0)`.mapWith(Number),
    })
    .from(archives)
    .where(eq(archives.projectId, projectId))
    .groupBy(archives.state)
    .all();
}

export async function archiveJob(db: Db, projectId: string) {
  return db.select().from(archiveJobs).where(eq(archiveJobs.projectId, projectId)).get();
}
