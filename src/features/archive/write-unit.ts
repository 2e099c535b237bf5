import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { archives } from "../../platform/db/schema";
import { ARCHIVE_COLUMNS, type ArchivedMessage, type ArchiveRow, fromRow, toLine } from "./record";
import type { ManifestRow } from "./store";
import { unitWhere } from "./units";
import { ArchiveObjectWriter } from "./writer";

// Rows read per D1 query while writing: one page of rows and one part of compressed bytes is all
// a write holds in memory.
export const WRITE_PAGE = 1000;

export interface WriteOptions {
  /** Bytes per multipart part (tests force several parts with a small unit). */
  partBytes?: number;
}

/**
 * Writes the unit's messages to its object (replacing whatever an interrupted write left there),
 * then records the object in the manifest: `writing` → `written`, compare-and-set on the snapshot
 * this write took, so that of two overlapping writes only one's figures are kept — and both wrote
 * the same rows to the same key. Until the manifest says `written`, reads and deletes ignore the
 * object, so a crash anywhere before leaves the rows where they were.
 */
export async function writeUnit(env: Pick<Env, "FILES">, db: Db, manifest: ManifestRow, options: WriteOptions = {}) {
  const snapshotAt = Date.now();
  // The outbox must have counted every history row committed before the rows are read; a row
  // changed later stays in D1 (updated_at ≥ snapshotAt), so its later history is not needed.
  const [events] = await db.batch([
    // The last log row written (the outbox keeps the newest it handed over; src/features/outbox).
    db.all<{ id: number | null }>(sql`SELECT max(id) AS id FROM ledger_log`),
    db
      .update(archives)
      .set({ snapshotAt, updatedAt: snapshotAt })
      .where(and(eq(archives.id, manifest.id), eq(archives.state, "writing"))),
  ]);
  const eventsThrough = events[0]?.id ?? 0;
  const where = unitWhere(manifest.projectId, manifest);
  async function* pages() {
    for (let last = ""; ; ) {
      const rows: ArchiveRow[] = await db.all<ArchiveRow>(sql`
        SELECT ${sql.raw(ARCHIVE_COLUMNS)} FROM messages m
        WHERE ${where} AND m.id > ${last} ORDER BY m.id LIMIT ${WRITE_PAGE}`);
      if (rows.length > 0) yield rows.map(fromRow);
      if (rows.length < WRITE_PAGE) return;
      last = rows.at(-1)?.id ?? last;
    }
  }
  return writeRecords(env, db, manifest, { snapshotAt, eventsThrough }, pages(), options);
}

/**
 * Writes a unit's records, page by page in id order, to its object (replacing whatever an
 * interrupted write left there), then records the object in the manifest: `writing` → `written`,
 * compare-and-set on `snapshotAt`. Null when another write's snapshot won.
 */
export async function writeRecords(
  env: Pick<Env, "FILES">,
  db: Db,
  manifest: ManifestRow,
  snapshot: { snapshotAt: number; eventsThrough: number | null },
  pages: AsyncIterable<ArchivedMessage[]>,
  options: WriteOptions = {},
) {
  const writer = new ArchiveObjectWriter(env.FILES, manifest.r2Key, options.partBytes);
  let count = 0;
  let first: string | null = null;
  let last: string | null = null;
  let bytes: number;
  try {
    for await (const records of pages) {
      if (records.length === 0) continue;
      await writer.write(records.map(toLine).join(""));
      first ??= records[0]?.id ?? null;
      last = records.at(-1)?.id ?? last;
      count += records.length;
    }
    bytes = await writer.complete();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  const written = await db
    .update(archives)
    .set({
      state: "written",
      messages: count,
      bytes,
      firstMessageId: first,
      lastMessageId: last,
      eventsThrough: snapshot.eventsThrough,
      updatedAt: Date.now(),
    })
    .where(
      and(eq(archives.id, manifest.id), eq(archives.state, "writing"), eq(archives.snapshotAt, snapshot.snapshotAt)),
    )
    .returning()
    .get();
  return written ?? null;
}
