import { z } from "@hono/zod-openapi";
import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { runRefSql } from "../../platform/db/schema";
import { ledgerMessageId, parseLedgerMessageId } from "../../platform/ids";
import { isoOrNull } from "../../platform/time";
import { withArchivedRuns } from "../archive/read-through";
import { ArchiveScanner } from "../archive/scanner";
import { READABLE_STATES } from "../archive/store";
import { runLedger } from "../run-ledger";

// A campaign's per-recipient details: one row per message of its runs, read from D1 in keyset
// pages so that a run of any size is answered without holding it in memory.

export const RECIPIENT_STATUSES = ["queued", "sending", "sent", "delivered", "read", "failed", "skipped"] as const;
export type RecipientStatus = (typeof RECIPIENT_STATUSES)[number];

export const RecipientSchema = z
  .object({
    number: z.string().openapi({ example: "+919876543210" }),
    status: z.enum(RECIPIENT_STATUSES),
    action: z.string().openapi({ description: "The same as `status` (the reference document's name for it)" }),
    runId: z.string(),
    messageId: z.string(),
    sentAt: z.string().nullable(),
    deliveredAt: z.string().nullable(),
    readAt: z.string().nullable(),
    failedAt: z.string().nullable(),
    errorCode: z.number().int().nullable().openapi({ description: "WhatsApp's error code, when the message failed" }),
    errorReason: z.string().nullable(),
    skipReason: z.string().nullable().openapi({
      description: "Why the recipient was not sent to: `opted_out`, `missing_variable:<group>.<field>`, `cancelled`",
    }),
  })
  .openapi("Recipient");

export type Recipient = z.infer<typeof RecipientSchema>;

export const RECIPIENT_COLUMNS = Object.keys(RecipientSchema.shape) as (keyof Recipient)[];

/** Where a page ends: messages are read in (run, message id) order, which the index serves. */
export interface RecipientKey {
  runId: string;
  id: string;
}

interface MessageRow {
  id: string;
  run_id: string;
  number: string;
  status: Recipient["status"];
  sent_at: number | null;
  delivered_at: number | null;
  read_at: number | null;
  failed_at: number | null;
  error_code: number | null;
  error_title: string | null;
  error_message: string | null;
  skip_reason: string | null;
}

export function toRecipient(row: MessageRow): Recipient {
  return {
    number: row.number,
    status: row.status,
    action: row.status,
    runId: row.run_id,
    messageId: row.id,
    sentAt: isoOrNull(row.sent_at),
    deliveredAt: isoOrNull(row.delivered_at),
    readAt: isoOrNull(row.read_at),
    failedAt: isoOrNull(row.failed_at),
    errorCode: row.error_code,
    errorReason: row.error_message ?? row.error_title,
    skipReason: row.skip_reason,
  };
}

/** Which recipients a caller asked for; every one when empty. */
export interface RecipientFilter {
  statuses?: RecipientStatus[];
  errorCode?: number;
}

export interface RecipientScope {
  projectId: string;
  campaignId: string;
  /** Only this run's messages. */
  runId?: string;
  filter?: RecipientFilter;
}

/** The filter as SQL on `messages m`: a handful of bound values at most. */
function filterSql(filter: RecipientFilter | undefined): SQL {
  const parts: SQL[] = [];
  if (filter?.statuses?.length)
    parts.push(
      sql`m.status IN (${sql.join(
        filter.statuses.map((s) => sql`${s}`),
        sql`, `,
      )})`,
    );
  if (filter?.errorCode !== undefined) parts.push(sql`m.error_code = ${filter.errorCode}`);
  return parts.length === 0 ? sql`` : sql` AND ${sql.join(parts, sql` AND `)}`;
}

/**
 * Up to `take` recipients of a run kept in its own object (src/features/run-ledger) after the
 * message `afterId`, in slot order (its ids' order), pages read from the object until the filter
 * has kept enough or the run is done.
 */
async function ledgerRecipients(
  env: Pick<Env, "RUN_LEDGER">,
  run: { id: string; ref: string },
  afterId: string,
  take: number,
  filter: RecipientFilter | undefined,
): Promise<MessageRow[]> {
  const rows: MessageRow[] = [];
  const ledger = runLedger(env, run.ref);
  let after = parseLedgerMessageId(afterId)?.slot ?? 0;
  while (rows.length < take) {
    const want = Math.max(take - rows.length, 100);
    const page = await ledger.page(after, want, filter?.statuses);
    for (const row of page) {
      if (filter?.errorCode !== undefined && row.error_code !== filter.errorCode) continue;
      if (rows.length < take)
        rows.push({ ...row, id: ledgerMessageId(run.ref, row.slot), run_id: run.id, status: row.state });
    }
    const last = page.at(-1);
    if (!last || page.length < want) break;
    after = last.slot;
  }
  return rows;
}

// Runs read per statement while a page looks for its next runs: most pages need one or two.
const RUNS_PER_READ = 50;

/**
 * Up to `limit` recipients after `after`, in (run, message id) order: the rest of the run the page
 * starts in, then the campaign's later runs from their first message. The campaign's runs are
 * read in id order from runs_project_campaign, then each run's messages as a range scan of
 * messages_run (run_id, id), however many messages the runs hold. The messages name their run by
 * its ref (src/platform/db/schema/runs.ts), whose order is not the runs' order, so each run is a
 * statement of its own.
 */
export async function recipientsPage(
  db: Db,
  scope: RecipientScope,
  after: RecipientKey | undefined,
  limit: number,
  archive?: ArchiveScanner,
  ledgers?: Pick<Env, "RUN_LEDGER">,
): Promise<{ recipients: Recipient[]; last: RecipientKey | null }> {
  const select = (run: { id: string; ref: string; ledger: string | null }, afterId: string, take: number) =>
    run.ledger === "object" && ledgers
      ? ledgerRecipients(ledgers, run, afterId, take, scope.filter)
      : selectD1(run, afterId, take);
  const selectD1 = (run: { id: string; ref: string }, afterId: string, take: number) =>
    db.all<MessageRow>(sql`
      SELECT m.id, ${run.id} AS run_id, m.number, m.status, m.sent_at, m.delivered_at, m.read_at, m.failed_at,
             m.error_code, m.error_title, m.error_message, m.skip_reason
      FROM messages m
      WHERE m.run_id = ${run.ref} AND m.id > ${afterId} AND m.project_id = ${scope.projectId}${filterSql(scope.filter)}
      ORDER BY m.id
      LIMIT ${take}`);
  // The campaign's runs from `from` on (the scope's run alone when it names one), in id order: a
  // run counts only if it is the campaign's. Checked here, once, not on each message, whose row
  // leaves its campaign to the run (src/platform/db/schema/messages.ts). A run with no message
  // in D1 that the filter keeps (archived, or none failed) is left out by one index probe, so a
  // campaign of many archived runs costs no statement per run; a run kept in its own object is
  // read there until its archive is written (archives_project_unit: one probe).
  const runsFrom = (from: SQL) =>
    db.all<{ id: string; ref: string; ledger: string | null }>(sql`
      SELECT r.id, ${sql.raw(runRefSql("r"))} AS ref, r.ledger FROM runs r
      WHERE r.project_id = ${scope.projectId} AND r.campaign_id = ${scope.campaignId} AND ${from}
        ${scope.runId === undefined ? sql`` : sql`AND r.id = ${scope.runId}`}
        AND (r.ledger = 'object' AND NOT EXISTS (SELECT 1 FROM archives a WHERE a.project_id = r.project_id AND a.unit = r.id AND a.state IN (${sql.raw(READABLE_STATES.map((state) => `'${state}'`).join(", "))}))
          OR r.ledger IS NULL AND EXISTS (SELECT 1 FROM messages m WHERE m.run_id = ${sql.raw(runRefSql("r"))} AND m.project_id = ${scope.projectId}${filterSql(scope.filter)}))
      ORDER BY r.id LIMIT ${RUNS_PER_READ}`);
  let rows: MessageRow[] = [];
  let from = sql`r.id >= ${after?.runId ?? ""}`;
  for (;;) {
    const runs = await runsFrom(from);
    for (const run of runs) {
      if (rows.length >= limit) break;
      const afterId = after && run.id === after.runId ? after.id : "";
      rows = rows.concat(await select(run, afterId, limit - rows.length));
    }
    const lastRun = runs.at(-1);
    if (rows.length >= limit || runs.length < RUNS_PER_READ || !lastRun) break;
    from = sql`r.id > ${lastRun.id}`;
  }
  // Runs moved to the archive (src/features/archive) answer from there, in the same order.
  if (archive) rows = (await withArchivedRuns(db, archive, scope, after, limit, rows)) as MessageRow[];
  const last = rows.at(-1);
  return { recipients: rows.map(toRecipient), last: last ? { runId: last.run_id, id: last.id } : null };
}

// Cells a spreadsheet would run as a formula are prefixed with a quote (OWASP's CSV injection
// advice). A phone number's leading + is left alone: "+919876543210" is data, not a formula.
const FORMULA = /^[=@\t\r]|^[+-](?!\d+$)/;

/** One RFC 4180 field: quoted when it holds a comma, quote or line break; quotes doubled. */
export function csvCell(value: string | number | null): string {
  if (value === null) return "";
  let text = String(value);
  if (typeof value === "string" && FORMULA.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const csvRow = (values: (string | number | null)[]) => `${values.map(csvCell).join(",")}\r\n`;

export const csvHeader = () => csvRow(RECIPIENT_COLUMNS);
export const csvRecipient = (r: Recipient) => csvRow(RECIPIENT_COLUMNS.map((k) => r[k]));

// Rows per D1 query while streaming: large enough to keep round trips few, small enough that one
// page of rows is all that is ever in memory.
export const STREAM_PAGE = 500;

/**
 * Every recipient in `scope` as a JSON array or a CSV document, produced a page at a time as the
 * client reads: nothing is fetched ahead of what the client has taken.
 */
export function streamRecipients(
  db: Db,
  scope: RecipientScope,
  format: "json" | "csv",
  onError: (err: unknown) => void,
  bucket?: R2Bucket,
  ledgers?: Pick<Env, "RUN_LEDGER">,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const archive = bucket ? new ArchiveScanner(bucket) : undefined;
  let after: RecipientKey | undefined;
  let started = false;
  let first = true;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!started) {
          started = true;
          controller.enqueue(encoder.encode(format === "csv" ? csvHeader() : "["));
          return;
        }
        try {
          const page = await recipientsPage(db, scope, after, STREAM_PAGE, archive, ledgers);
          let chunk = "";
          for (const recipient of page.recipients) {
            if (format === "csv") chunk += csvRecipient(recipient);
            else {
              chunk += `${first ? "" : ","}${JSON.stringify(recipient)}`;
              first = false;
            }
          }
          const done = page.recipients.length < STREAM_PAGE || page.last === null;
          if (done && format === "json") chunk += "]";
          if (chunk) controller.enqueue(encoder.encode(chunk));
          if (done) {
            controller.close();
            await archive?.close();
          } else after = page.last ?? undefined;
        } catch (err) {
          await archive?.close();
          // The status line has gone out: all that can be done is to cut the body short, so the
          // client sees an incomplete document rather than a complete-looking wrong one.
          onError(err);
          controller.error(err);
        }
      },
      cancel: () => archive?.close(),
    },
    { highWaterMark: 0 },
  );
}
