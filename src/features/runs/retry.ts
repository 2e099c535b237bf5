import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { refOfRun, runFailed, runRefSql } from "../../platform/db/schema";
import { newMessageId } from "../../platform/ids";
import { MARKETING_LIMIT_CODE } from "../../whatsapp/errors";
import type { TemplateMessage } from "../../whatsapp/provider";
import { storedPayload } from "../messages/payload";
import { ledgerRetryCandidates, type RetrySource } from "./ledger-retry";
import type { FanoutPage } from "./page";
import type { RunRow } from "./schemas";

/** What a retry re-sends: retryable failures (null), or the recipients Meta held for their marketing limit. */
type RetryKind = RunRow["retryKind"];

/**
 * Every run of a retry chain, as its messages name it (`runs.ref`): the first run and all retries
 * descending from it. A number that succeeded (or is still on its way) in any of them is never
 * sent again by a retry.
 */
async function chainOf(db: Db, runId: string): Promise<string[]> {
  const rows = await db.all<{ ref: string }>(
    sql`WITH RECURSIVE up(id, retry_of) AS (
          SELECT id, retry_of FROM runs WHERE id = ${runId}
          UNION SELECT r.id, r.retry_of FROM runs r JOIN up ON r.id = up.retry_of),
        down(id, ref) AS (
          SELECT r.id, ${sql.raw(runRefSql("r"))} FROM up JOIN runs r ON r.id = up.id WHERE up.retry_of IS NULL
          UNION SELECT r.id, ${sql.raw(runRefSql("r"))} FROM runs r JOIN down ON r.retry_of = down.id)
        SELECT ref FROM down`,
  );
  return rows.map((r) => r.ref);
}

/**
 * The source run's messages a retry re-sends: failed with an error classified retryable (they
 * exhausted their attempts), and whose number has no message queued, sending, sent, delivered or
 * read in any run of the chain. Each NOT EXISTS is a probe of the unique (run_id, number) index.
 */
function candidates(sourceRunId: string, chain: string[], afterId: string, kind: RetryKind): SQL {
  const failure =
    kind === "marketing_limited" ? sql`m.error_code = ${MARKETING_LIMIT_CODE}` : sql`m.error_class = 'retryable'`;
  return sql`FROM messages m LEFT JOIN contacts c ON c.project_id = m.project_id AND c.number = m.number
    WHERE m.run_id = ${refOfRun(sourceRunId)} AND ${runFailed("m")} AND ${failure} AND m.id > ${afterId}
      AND NOT EXISTS (
        SELECT 1 FROM messages o
        WHERE o.run_id IN (SELECT value FROM json_each(${JSON.stringify(chain)})) AND o.number = m.number
          AND o.status IN ('queued', 'sending', 'sent', 'delivered', 'read'))`;
}

/** Whether retrying `run` would send anything. */
export async function hasRetryCandidates(
  env: Pick<Env, "RUN_LEDGER">,
  db: Db,
  run: RunRow,
  kind: RetryKind = null,
): Promise<boolean> {
  const chain = await chainOf(db, run.id);
  if (run.ledger === "object") {
    const found = await ledgerRetryCandidates(env, db, run, chain, 0, 1, kind === "marketing_limited");
    return found.recipients.length > 0;
  }
  const row = await db.get<{ one: number } | undefined>(
    sql`SELECT 1 AS one ${candidates(run.id, chain, "", kind)} LIMIT 1`,
  );
  return row !== undefined;
}

/**
 * One page of a retry run: the next candidates of its source run in message id order, each
 * re-sent with the payload it was built with (an opted-out contact is skipped now instead).
 */
export async function retryPage(env: Pick<Env, "RUN_LEDGER">, db: Db, run: RunRow, limit: number): Promise<FanoutPage> {
  const source = run.retryOf as string;
  const cursor = run.cursor as { after?: unknown } | null;
  const chain = await chainOf(db, run.id);
  // A source that keeps its messages in its own object is read there, by slot.
  const inObject = await db.get<RetrySource & { ledger: string | null }>(
    sql`SELECT project_id AS projectId, ref, id, ledger FROM runs WHERE id = ${source} AND ledger = 'object'`,
  );
  if (inObject) {
    const after = typeof cursor?.after === "number" ? cursor.after : 0;
    const found = await ledgerRetryCandidates(
      env,
      db,
      inObject,
      chain,
      after,
      limit,
      run.retryKind === "marketing_limited",
    );
    return { recipients: found.recipients, next: found.next === null ? null : { audience: 0, after: found.next } };
  }
  const after = typeof cursor?.after === "string" ? cursor.after : "";
  const rows = await db.all<{ id: string; number: string; payload: string | null; opted_out: number | null }>(
    sql`SELECT m.id, m.number, ${storedPayload("m")} AS payload, c.opted_out ${candidates(source, chain, after, run.retryKind)} ORDER BY m.id LIMIT ${limit}`,
  );
  const recipients = rows.map((row) => {
    const payload = row.payload ? (JSON.parse(row.payload) as TemplateMessage) : null;
    const skipReason = row.opted_out === 1 ? "opted_out" : payload ? null : "missing_payload";
    return { id: newMessageId(), number: row.number, payload: skipReason ? null : payload, skipReason };
  });
  const last = rows.at(-1);
  return { recipients, next: rows.length === limit && last ? { audience: 0, after: last.id } : null };
}
