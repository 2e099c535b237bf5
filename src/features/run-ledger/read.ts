import { sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { type MessageStatus, publicTemplateIdSql } from "../../platform/db/schema";
import { parseLedgerMessageId } from "../../platform/ids";
import { runLedger } from "./index";
import type { LedgerRow } from "./schema";

/** A run ledger's message in the columns the API answers with (those of an archived message). */
export interface LedgerMessage {
  id: string;
  projectId: string;
  campaignId: string;
  runId: string;
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
  claimedAt: number | null;
  sentAt: number | null;
  deliveredAt: number | null;
  readAt: number | null;
  failedAt: number | null;
  /** Its history is derived from its times (src/features/messages/trail.ts derivedHistory). */
  trail: null;
  billing: string | null;
}

/** A row of a run's object as the API's message, with its run's ids and its campaign's template. */
export function asMessage(
  id: string,
  meta: { projectId: string; campaignId: string; runId: string },
  row: LedgerRow,
  templateId: string | null,
): LedgerMessage {
  // A claimed message counts the claim among its attempts, as the D1 ledger's rows do.
  const claimed = row.state !== "queued" && row.state !== "skipped" && row.claimed !== null;
  return {
    id,
    projectId: meta.projectId,
    campaignId: meta.campaignId,
    runId: meta.runId,
    templateId,
    number: row.number,
    status: row.state,
    attempts: row.attempts + (claimed ? 1 : 0),
    wamid: row.wamid,
    errorCode: row.error_code,
    errorTitle: row.error_title,
    errorMessage: row.error_message,
    skipReason: row.skip_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    claimedAt: row.claimed,
    sentAt: row.sent_at,
    deliveredAt: row.delivered_at,
    readAt: row.read_at,
    failedAt: row.failed_at,
    trail: null,
    billing: row.billing,
  };
}

/**
 * The message `id` names, when it names one in a run's own object (`msg_r<ref>.<slot>`) of
 * `projectId`'s; null otherwise (another shape of id, another project's run, no such slot).
 */
export async function ledgerMessage(
  env: Pick<Env, "RUN_LEDGER">,
  db: Db,
  projectId: string,
  id: string,
): Promise<LedgerMessage | null> {
  const named = parseLedgerMessageId(id);
  if (!named) return null;
  const found = await runLedger(env, named.runRef).message(projectId, named.slot);
  if (!found) return null;
  const template = await db.get<{ id: string | null }>(
    sql`SELECT ${sql.raw(publicTemplateIdSql("c.template_id"))} AS id FROM campaigns c WHERE c.id = ${found.meta.campaignId}`,
  );
  return asMessage(id, found.meta, found.row, template?.id ?? null);
}
