import { sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { findInArchive } from "./reader";
import type { ArchivedMessage } from "./record";
import type { ArchiveScanner } from "./scanner";
import { archivedRuns, manifestsHolding } from "./store";

// Reads that still answer once messages left D1. Each is a branch the live routes take when D1 no
// longer holds what they ask for, and answers in the live shape, so an archived message, run or
// recipient looks the same as before it moved.

/** An archived message, or null (its history: src/features/messages/trail.ts `derivedHistory`). */
export async function archivedMessage(
  db: Db,
  bucket: R2Bucket,
  projectId: string,
  id: string,
): Promise<ArchivedMessage | null> {
  for (const manifest of await manifestsHolding(db, projectId, id)) {
    const found = await findInArchive(bucket, manifest.r2Key, id);
    if (found && found.projectId === projectId) return found;
  }
  return null;
}

/** A per-recipient row as the details read it from D1 (snake_case columns of `messages`). */
export interface RecipientRow {
  id: string;
  run_id: string;
  number: string;
  status: ArchivedMessage["status"];
  sent_at: number | null;
  delivered_at: number | null;
  read_at: number | null;
  failed_at: number | null;
  error_code: number | null;
  error_title: string | null;
  error_message: string | null;
  skip_reason: string | null;
}

const toRecipientRow = (m: ArchivedMessage): RecipientRow => ({
  id: m.id,
  run_id: m.runId ?? "",
  number: m.number,
  status: m.status,
  sent_at: m.sentAt,
  delivered_at: m.deliveredAt,
  read_at: m.readAt,
  failed_at: m.failedAt,
  error_code: m.errorCode,
  error_title: m.errorTitle,
  error_message: m.errorMessage,
  skip_reason: m.skipReason,
});

const byRunThenId = (a: RecipientRow, b: RecipientRow) =>
  a.run_id < b.run_id ? -1 : a.run_id > b.run_id ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/**
 * The first `limit` recipients after `after` in (run, message id) order, from the live page D1
 * answered and the archived runs of the campaign together. A row still in D1 wins over its
 * archived copy (it changed after the snapshot, or its deletion is under way), so nothing shows
 * twice, and the order and cursors are those of the live answer.
 */
export async function withArchivedRuns<Row extends RecipientRow>(
  db: Db,
  scanner: ArchiveScanner,
  scope: { projectId: string; campaignId: string; runId?: string; filter?: ArchivedFilter },
  after: { runId: string; id: string } | undefined,
  limit: number,
  live: Row[],
): Promise<RecipientRow[]> {
  const manifests = await archivedRuns(db, scope.projectId, scope.campaignId, scope.runId);
  if (manifests.length === 0) return live;
  const keep = keeps(scope.filter);
  // A full live page ends the answer at its last row: later runs cannot come before it.
  const end = live.length >= limit ? live.at(-1) : undefined;
  const archived: RecipientRow[] = [];
  for (const manifest of manifests) {
    const runId = manifest.runId ?? "";
    if (after && runId < after.runId) continue;
    if (end && runId > end.run_id) break;
    let from = after && runId === after.runId ? after.id : undefined;
    // A filter may leave a page short: the run's object is read on until `limit` match or it ends.
    while (archived.length < limit) {
      const records = await scanner.page(manifest.r2Key, from, limit);
      archived.push(...records.filter(keep).map(toRecipientRow));
      if (records.length < limit || !keep.filters) break;
      from = records.at(-1)?.id;
    }
    // Runs come in order: once `limit` archived rows are in hand, a later run's are all past them.
    if (archived.length >= limit) break;
  }
  const liveIds = new Set(live.map((r) => r.id));
  // Filtered, the live page holds only matching rows: a row that changed after the snapshot and no
  // longer matches is still in D1, and its archived copy must not stand in for it.
  if (keep.filters)
    for (const id of await liveAmong(
      db,
      archived.map((r) => r.id),
    ))
      liveIds.add(id);
  return [...live, ...archived.filter((r) => !liveIds.has(r.id))].sort(byRunThenId).slice(0, limit);
}

/** The filter of the per-recipient details, as the archive's rows are tested against it. */
export interface ArchivedFilter {
  statuses?: readonly string[];
  errorCode?: number;
}

function keeps(filter: ArchivedFilter | undefined) {
  const statuses = filter?.statuses?.length ? new Set(filter.statuses) : null;
  const code = filter?.errorCode;
  const keep = (m: ArchivedMessage) =>
    (!statuses || statuses.has(m.status)) && (code === undefined || m.errorCode === code);
  return Object.assign(keep, { filters: statuses !== null || code !== undefined });
}

/** Which of `ids` are still in D1: one statement, the ids as ONE JSON parameter. */
async function liveAmong(db: Db, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db.all<{ id: string }>(
    sql`SELECT id FROM messages WHERE id IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`,
  );
  return rows.map((r) => r.id);
}
