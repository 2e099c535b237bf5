import {
  campaignOfSql,
  type MessageRecord,
  type messages,
  outcomeOf,
  runIdOfSql,
  type StoredOutcome,
  templateOfSql,
} from "../../platform/db/schema";

// One line of an archive object: a message in its final state, as NDJSON. Null fields are left
// out (gzip would shrink them, but leaving them out also keeps the reader's job to `?? null`).
// Times are Unix milliseconds, as in D1. A reader that meets a field it does not know ignores it,
// so fields may be added, never renamed.

type MessageRow = typeof messages.$inferSelect;

/** A message in its final state as an archive line holds it (src/platform/db/schema/message-record.ts). */
export type ArchivedMessage = MessageRecord;

/** The columns an archive keeps, as read from D1 (snake_case, the shape `db.all` returns). */
export const ARCHIVE_COLUMNS = `id, project_id, ${campaignOfSql("m")} AS campaign_id, ${runIdOfSql("m")} AS run_id, ${templateOfSql("m")} AS template_id, number, status, attempts, wamid, error_code, error_title, error_message, skip_reason, created_at, updated_at, sent_at, delivered_at, read_at, failed_at, claimed_at, trail, billing`;

export interface ArchiveRow extends StoredOutcome {
  id: string;
  project_id: string;
  campaign_id: string | null;
  run_id: string | null;
  template_id: string | null;
  status: MessageRow["status"];
  attempts: number;
  claimed_at: number | null;
  trail: string | null;
}

export function fromRow(row: ArchiveRow): ArchivedMessage {
  return {
    ...outcomeOf(row),
    id: row.id,
    projectId: row.project_id,
    campaignId: row.campaign_id,
    runId: row.run_id,
    templateId: row.template_id,
    status: row.status,
    attempts: row.attempts,
    claimedAt: row.claimed_at,
    trail: row.trail,
  };
}

/** One NDJSON line, newline included. */
export function toLine(message: ArchivedMessage): string {
  const compact: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(message)) if (value !== null) compact[key] = value;
  return `${JSON.stringify(compact)}\n`;
}

const FIELDS: (keyof ArchivedMessage)[] = [
  "id",
  "projectId",
  "campaignId",
  "runId",
  "templateId",
  "number",
  "status",
  "attempts",
  "wamid",
  "errorCode",
  "errorTitle",
  "errorMessage",
  "skipReason",
  "createdAt",
  "updatedAt",
  "sentAt",
  "deliveredAt",
  "readAt",
  "failedAt",
  "claimedAt",
  "trail",
  "billing",
];

export function parseLine(line: string): ArchivedMessage {
  const raw = JSON.parse(line) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const field of FIELDS) out[field] = raw[field] ?? null;
  out.attempts ??= 0;
  // Kept by a run's own object only (src/features/run-ledger): a field only lines that have it carry.
  if (typeof raw.acceptedAs === "string") out.acceptedAs = raw.acceptedAs;
  return out as unknown as ArchivedMessage;
}
