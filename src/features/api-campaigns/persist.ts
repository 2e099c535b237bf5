import { sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { jsonList } from "../../platform/db/json-list";
import { campaignRefs, templateRefs } from "../../platform/db/refs";
import { messages, type Transition } from "../../platform/db/schema";
import type { ApiSendJob } from "../../queues/contracts";
import { type KnownDefinitions, resolveKnown } from "../contacts/store";
import { upsertContactsStatements } from "../contacts/upsert-many";
import { logRecorded, newTx } from "../messages/log";
import { rememberBases, sharePayloads, storedColumns } from "../messages/payload";

export const OPTED_OUT_REASON = "opted_out";

interface StoredRow {
  id: string;
  status: string;
  skipReason: string | null;
  tx: number | null;
}

export interface Persisted {
  /** The message's first transition, null when it already existed (a redelivery). */
  created: Transition | null;
  /** Why the stored message is not to be sent, if it is not. */
  skipReason: string | undefined;
}

/**
 * Persists what the requests accepted, for jobs of one project, in ONE D1 batch whatever their
 * number: the payloads' shared parts new to this isolate, the contacts (set-based), then each message — queued, or skipped with its reason: the
 * request's, or `opted_out` for a MARKETING send to a contact the database has opted out (the
 * contact row is the authority; the request path only had a snapshot) — then one log row for the
 * messages this batch recorded. Safe to run again for the same jobs: the contacts are upserted
 * and each message is inserted once. Answers in the order of `jobs`.
 */
export async function persistApiSends(db: Db, jobs: ApiSendJob[], known?: KnownDefinitions): Promise<Persisted[]> {
  const projectId = jobs[0]?.projectId;
  if (projectId === undefined) return [];
  const definitions =
    known ??
    (await resolveKnown(
      db,
      projectId,
      jobs.flatMap((j) => j.contact.tags ?? []),
      jobs.flatMap((j) => Object.keys(j.contact.attributes ?? {})),
    ));
  const now = Date.now();
  const tx = newTx();
  const ids = jobs.map((j) => j.messageId);
  const { stored, insertBases } = await sharePayloads(
    db,
    projectId,
    jobs.map((j) => ({ number: j.contact.number, payload: j.payload })),
  );
  // The messages carry their campaign's and template's short refs (src/platform/db/schema/
  // campaigns.ts, templates.ts), named once per campaign, template and isolate.
  const [refs, templateRefsOf] = await Promise.all([
    campaignRefs(
      db,
      jobs.map((j) => j.campaignId),
    ),
    templateRefs(
      db,
      jobs.map((j) => j.templateId),
    ),
  ]);
  const rows = JSON.stringify(
    jobs.map((j, i) => ({
      id: j.messageId,
      number: j.contact.number,
      campaignId: refs.get(j.campaignId) ?? j.campaignId,
      templateId: templateRefsOf.get(j.templateId) ?? j.templateId,
      payload: stored[i] ?? null,
      skip: j.skipReason ?? null,
      marketing: j.category === "MARKETING",
    })),
  );
  const { payload, payloadBase } = storedColumns(sql`x.v`, "$.payload");
  const results = await db.batch([
    ...(insertBases ? [insertBases] : []),
    ...upsertContactsStatements(
      db,
      projectId,
      jobs.map((j) => j.contact),
      definitions,
    ),
    // Columns in the table's order (as a run's fan-out writes them): id, project_id, campaign_id,
    // run_id, template_id, number, status, payload, wamid, attempts, error_code, error_title,
    // error_message, skip_reason, error_class, created_at, updated_at, sent_at, delivered_at,
    // read_at, failed_at, claimed_at, trail, tx, payload_base, billing.
    db
      .insert(messages)
      .select(
        sql`SELECT x.v ->> '$.id', ${projectId}, x.v ->> '$.campaignId', NULL, x.v ->> '$.templateId', x.v ->> '$.number',
               iif(x.reason IS NULL, 'queued', 'skipped'), ${payload}, NULL, 0, NULL, NULL, NULL, x.reason, NULL,
               ${now}, ${now}, NULL, NULL, NULL, NULL, NULL, iif(x.reason IS NULL, 'q', 'k'), ${tx}, ${payloadBase}, NULL
            FROM (
              SELECT j.value AS v, coalesce(j.value ->> '$.skip', iif(j.value ->> '$.marketing' AND EXISTS (
                SELECT 1 FROM contacts c WHERE c.project_id = ${projectId} AND c.number = j.value ->> '$.number' AND c.opted_out = 1),
                ${OPTED_OUT_REASON}, NULL)) AS reason
              FROM json_each(${rows}) j) x
            WHERE true`,
      )
      .onConflictDoNothing(),
    logRecorded(db, tx, ids),
    db
      .select({
        id: messages.id,
        status: messages.status,
        skipReason: messages.skipReason,
        tx: messages.tx,
      })
      .from(jsonList(ids, "j"))
      .crossJoin(messages)
      .where(sql`${messages.id} = j.value`),
  ] as unknown as Parameters<typeof db.batch>[0]);
  rememberBases(stored);
  const written = new Map((results.at(-1) as StoredRow[]).map((r) => [r.id, r]));
  return jobs.map((job): Persisted => {
    const row = written.get(job.messageId);
    const skipReason = row?.status === "skipped" ? (row.skipReason ?? undefined) : undefined;
    const created: Transition | null =
      row && row.tx === tx
        ? {
            messageId: row.id,
            projectId,
            campaignId: job.campaignId,
            runId: null,
            from: null,
            to: row.status === "skipped" ? "skipped" : "queued",
          }
        : null;
    return { created, skipReason };
  });
}

/** One job's persist: `persistApiSends` with one job. */
export async function persistApiSend(db: Db, job: ApiSendJob, known?: KnownDefinitions): Promise<Persisted> {
  const [persisted] = await persistApiSends(db, [job], known);
  return persisted ?? { created: null, skipReason: undefined };
}
