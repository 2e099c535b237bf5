import { and, asc, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { campaigns, mediaFiles } from "../../platform/db/schema";

export type MediaFileRow = typeof mediaFiles.$inferSelect;

export const mediaR2Key = (projectId: string, fileId: string) => `media/${projectId}/${fileId}`;

export async function insertMediaFile(db: Db, row: typeof mediaFiles.$inferInsert): Promise<MediaFileRow> {
  const [inserted] = await db.insert(mediaFiles).values(row).returning();
  return inserted as MediaFileRow;
}

/** The project's file with this id, or null (another project's id is null too). */
export async function getMediaFile(db: Db, projectId: string, id: string): Promise<MediaFileRow | null> {
  const row = await db
    .select()
    .from(mediaFiles)
    .where(and(eq(mediaFiles.projectId, projectId), eq(mediaFiles.id, id)))
    .get();
  return row ?? null;
}

export function listMediaFiles(db: Db, projectId: string, afterId: string | undefined, limit: number) {
  return db
    .select()
    .from(mediaFiles)
    .where(and(eq(mediaFiles.projectId, projectId), afterId ? gt(mediaFiles.id, afterId) : undefined))
    .orderBy(asc(mediaFiles.id))
    .limit(limit + 1)
    .all();
}

/** A broadcast campaign's name that sends this file, if any: the file cannot be deleted then. */
export async function campaignUsing(db: Db, projectId: string, fileId: string): Promise<string | null> {
  const row = await db
    .select({ name: campaigns.name })
    .from(campaigns)
    .where(and(eq(campaigns.projectId, projectId), eq(campaigns.imgMedia, fileId)))
    .limit(1)
    .get();
  return row?.name ?? null;
}

export async function deleteMediaFile(db: Db, projectId: string, id: string): Promise<void> {
  await db.delete(mediaFiles).where(and(eq(mediaFiles.projectId, projectId), eq(mediaFiles.id, id)));
}

/**
 * Claims the file's next upload to WhatsApp: true for exactly one caller among those that saw the
 * same upload (`seenUploadedAt`) while no other claim is alive, so concurrent sends upload it once.
 * A claim lapses after `holdMs`, should its holder die before recording the upload.
 */
export async function claimUpload(
  db: Db,
  file: Pick<MediaFileRow, "id" | "projectId" | "uploadedAt">,
  now: number,
  holdMs: number,
): Promise<boolean> {
  const claimed = await db
    .update(mediaFiles)
    .set({ refreshingUntil: now + holdMs })
    .where(
      and(
        eq(mediaFiles.projectId, file.projectId),
        eq(mediaFiles.id, file.id),
        file.uploadedAt === null ? isNull(mediaFiles.uploadedAt) : eq(mediaFiles.uploadedAt, file.uploadedAt),
        or(isNull(mediaFiles.refreshingUntil), lt(mediaFiles.refreshingUntil, now)),
      ),
    )
    .returning({ id: mediaFiles.id });
  return claimed.length === 1;
}

/** Records an upload and ends its claim. */
export async function recordUpload(
  db: Db,
  file: Pick<MediaFileRow, "id" | "projectId">,
  upload: { waMediaId: string; waPhoneNumberId: string; uploadedAt: number } | null,
): Promise<void> {
  await db
    .update(mediaFiles)
    .set(upload ? { ...upload, refreshingUntil: null } : { refreshingUntil: sql`NULL` })
    .where(and(eq(mediaFiles.projectId, file.projectId), eq(mediaFiles.id, file.id)));
}
