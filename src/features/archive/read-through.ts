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
  scope: { projectId: string; campaignId: string; runId?: string },
  after: { runId: string; id: string } | undefined,
  limit: number,
  live: Row[],
): Promise<RecipientRow[]> {
  const manifests = await archivedRuns(db, scope.projectId, scope.campaignId, scope.runId);
  if (manifests.length === 0) return live;
  // A full live page ends the answer at its last row: later runs cannot come before it.
  const end = live.length >= limit ? live.at(-1) : undefined;
  const archived: RecipientRow[] = [];
  for (const manifest of manifests) {
    const runId = manifest.runId ?? "";
    if (after && runId < after.runId) continue;
    if (end && runId > end.run_id) break;
    const from = after && runId === after.runId ? after.id : undefined;
    const records = await scanner.page(manifest.r2Key, from, limit);
    archived.push(...records.map(toRecipientRow));
    // Runs come in order: once `limit` archived rows are in hand, a later run's are all past them.
    if (archived.length >= limit) break;
  }
  const liveIds = new Set(live.map((r) => r.id));
  return [...live, ...archived.filter((r) => !liveIds.has(r.id))].sort(byRunThenId).slice(0, limit);
}
