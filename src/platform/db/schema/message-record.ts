import type { MessageStatus } from "./messages";

/**
 * A message as the API answers for it from anywhere but its D1 row: an archive's line
 * (src/features/archive/record.ts) or a run's own object (src/features/run-ledger/read.ts).
 */
export interface MessageRecord {
  id: string;
  projectId: string;
  campaignId: string | null;
  runId: string | null;
  templateId: string | null;
  number: string;
  status: MessageStatus;
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
  /**
   * Meta's `message_status` on accepting it, when not plainly `accepted` (held for its quality
   * assessment, the template paused): kept by a run's own object, whose history has no rows to
   * note it in (src/features/messages/trail.ts `derivedHistory`). A D1 row notes it in its history.
   */
  acceptedAs?: string | null;
}

/** The columns of a message row that a `MessageRecord` holds as they are, in their SQL names. */
export interface StoredOutcome {
  number: string;
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
  billing: string | null;
}

/** A row's `StoredOutcome` columns under a `MessageRecord`'s names. */
export const outcomeOf = (row: StoredOutcome) => ({
  number: row.number,
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
  billing: row.billing,
});
