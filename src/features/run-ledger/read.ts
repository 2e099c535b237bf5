import { sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { type MessageRecord, outcomeOf, publicTemplateIdSql, runRefSql } from "../../platform/db/schema";
import { parseLedgerMessageId } from "../../platform/ids";
import { runLedger } from "./index";
import type { LedgerRow } from "./schema";

/**
 * A run ledger's message as the API answers for it: of a run (or, an API day's, of none, as a D1
 * API message is), its history from its times.
 */
export type LedgerMessage = MessageRecord & { campaignId: string; runId: string | null; trail: null };

/** A row of a run's object as the API's message, with its run's ids and its campaign's template. */
export function asMessage(
  id: string,
  meta: { projectId: string; campaignId: string; runId: string; apiDay?: number | null },
  row: LedgerRow,
  templateId: string | null,
): LedgerMessage {
  // A claimed message counts the claim among its attempts, as the D1 ledger's rows do.
  const claimed = row.state !== "queued" && row.state !== "skipped" && row.claimed !== null;
  return {
    ...outcomeOf(row),
    id,
    projectId: meta.projectId,
    campaignId: meta.campaignId,
    runId: (meta.apiDay ?? null) === null ? meta.runId : null,
    templateId,
    status: row.state,
    attempts: row.attempts + (claimed ? 1 : 0),
    claimedAt: row.claimed,
    trail: null,
    acceptedAs: row.accepted_as,
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
  // An API day's message names the template it was sent with; a run's is its campaign's.
  const template = await db.get<{ id: string | null }>(
    found.row.template === null
      ? sql`SELECT ${sql.raw(publicTemplateIdSql("c.template_id"))} AS id FROM campaigns c WHERE c.id = ${found.meta.campaignId}`
      : sql`SELECT ${sql.raw(publicTemplateIdSql("x.ref"))} AS id FROM (SELECT ${found.row.template} AS ref) x`,
  );
  return asMessage(id, found.meta, found.row, template?.id ?? null);
}

/**
 * What a preview of a run ledger's message renders: its whole payload from the run's object and
 * its campaign's template definition; null when `id` names no message of `projectId`'s with a
 * payload (a skipped one has none).
 */
export async function ledgerPreviewSource(
  env: Pick<Env, "RUN_LEDGER">,
  db: Db,
  projectId: string,
  id: string,
): Promise<{ payload: string; definition: string | null } | null> {
  const named = parseLedgerMessageId(id);
  if (!named) return null;
  const found = await runLedger(env, named.runRef).payload(projectId, named.slot);
  if (!found) return null;
  const template = await db.get<{ definition: string | null }>(
    found.template === null
      ? sql`SELECT t.definition FROM runs r JOIN campaigns c ON c.id = r.campaign_id JOIN templates t ON t.id = c.template_id
        WHERE ${sql.raw(runRefSql("r"))} = ${named.runRef} AND r.project_id = ${projectId}`
      : sql`SELECT t.definition FROM (SELECT ${found.template} AS ref) x
        JOIN templates t ON t.id = ${sql.raw(publicTemplateIdSql("x.ref"))} WHERE t.project_id = ${projectId}`,
  );
  return { payload: found.payload, definition: template?.definition ?? null };
}
