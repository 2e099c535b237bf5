import { campaignOfSql, type messages, runIdOfSql, templateOfSql } from "../../platform/db/schema";

// One line of an archive object: a message in its final state, as NDJSON. Null fields are left
// out (gzip would shrink them, but leaving them out also keeps the reader's job to `?? null`).
// Times are Unix milliseconds, as in D1. A reader that meets a field it does not know ignores it,
// so fields may be added, never renamed.

type MessageRow = typeof messages.$inferSelect;

export interface ArchivedMessage {
  id: string;
  projectId: string;
  campaignId: string | null;
  runId: string | null;
  templateId: string | null;
  number: string;
  status: MessageRow["status"];
  attempts: number;
  wamid: string | null;
  errorCode: number | null;
  errorTitle: string | null;
  errorMessage: string | null;
  skipReason: string | null;
  createdAt: number;
  updatedAt: number;
  sentAt: number | null;
  deliveredAt: number | null;
  readAt: number | null;
  failedAt: number | null;
  /** The steps of its history (src/features/messages/trail.ts); absent from older archives. */
  claimedAt: number | null;
  trail: string | null;
  /** Meta's pricing of it (src/whatsapp/pricing.ts); absent from older archives. */
  billing: string | null;
}

/** The columns an archive keeps, as read from D1 (snake_case, the shape `db.all` returns). */
export const ARCHIVE_COLUMNS = `id, project_id, ${campaignOfSql("m")} AS campaign_id, ${runIdOfSql("m")} AS run_id, ${templateOfSql("m")} AS template_id, number, status, attempts, wamid, error_code, error_title, error_message, skip_reason, created_at, updated_at, sent_at, delivered_at, read_at, failed_at, claimed_at, trail, billing`;

export interface ArchiveRow {
  id: string;
  project_id: string;
  campaign_id: string | null;
  run_id: string | null;
  template_id: string | null;
  number: string;
  status: MessageRow["status"];
  attempts: number;
  wamid: string | null;
  error_code: number | null;
  error_title: string | null;
  error_message: string | null;
  skip_reason: string | null;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
  delivered_at: number | null;
  read_at: number | null;
  failed_at: number | null;
  claimed_at: number | null;
  trail: string | null;
  billing: string | null;
}

export function fromRow(row: ArchiveRow): ArchivedMessage {
  return {
    id: row.id,
    projectId: row.project_id,
    campaignId: row.campaign_id,
    runId: row.run_id,
    templateId: row.template_id,
    number: row.number,
    status: row.status,
    attempts: row.attempts,
    wamid: row.wamid,
    errorCode: row.error_code,
    errorTitle: row.error_title,
    errorMessage: row.error_message,
    skipReason: row.skip_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    sentAt: row.sent_at,
    deliveredAt: row.delivered_at,
    readAt: row.read_at,
    failedAt: row.failed_at,
    claimedAt: row.claimed_at,
    trail: row.trail,
    billing: row.billing,
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
  return out as unknown as ArchivedMessage;
}
