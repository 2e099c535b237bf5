import { sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { newMessageId } from "../../platform/ids";
import type { TemplateMessage } from "../../whatsapp/provider";
import { runLedger } from "../run-ledger";
import type { Recipient } from "./page";
import type { RunRow } from "./schemas";

// A retry of a run whose messages are in its own object (src/features/run-ledger): its failures
// are read from the object, in slot order, and the rules are those of ./retry.ts: a number that
// has a message queued, sending, sent, delivered or read in a D1 run of the chain (an earlier
// retry) is not sent again, and one opted out since is skipped. The retry itself records in D1.

/** The source run: where its failures are, and whose project they are. */
export type RetrySource = Pick<RunRow, "projectId" | "ref" | "id">;

/**
 * Up to `limit` candidates of `source` after slot `after`, and the slot the next page starts
 * after (null: none left). Pages of the object are read until `limit` are kept or it has no more.
 */
export async function ledgerRetryCandidates(
  env: Pick<Env, "RUN_LEDGER">,
  db: Db,
  source: RetrySource,
  chain: string[],
  after: number,
  limit: number,
  marketingLimited: boolean,
): Promise<{ recipients: Recipient[]; next: number | null }> {
  const ledger = runLedger(env, source.ref ?? source.id);
  const recipients: Recipient[] = [];
  let from = after;
  for (;;) {
    const failed = await ledger.failures(source.projectId, from, limit, marketingLimited);
    const numbers = JSON.stringify(failed.map((f) => f.number));
    // In one statement: the numbers an earlier retry has on their way, and those opted out since.
    const marks =
      failed.length === 0
        ? []
        : await db.all<{ k: "busy" | "out"; number: string }>(
            sql`SELECT DISTINCT 'busy' AS k, o.number FROM messages o
                WHERE o.run_id IN (SELECT value FROM json_each(${JSON.stringify(chain)})) AND o.number IN (SELECT value FROM json_each(${numbers}))
                  AND o.status IN ('queued', 'sending', 'sent', 'delivered', 'read')
                UNION ALL
                SELECT 'out', c.number FROM contacts c WHERE c.project_id = ${source.projectId}
                  AND c.number IN (SELECT value FROM json_each(${numbers})) AND c.opted_out = 1`,
          );
    const busy = new Set(marks.flatMap((m) => (m.k === "busy" ? [m.number] : [])));
    const out = new Set(marks.flatMap((m) => (m.k === "out" ? [m.number] : [])));
    for (const f of failed) {
      from = f.slot;
      if (busy.has(f.number)) continue;
      const payload = f.payload ? (JSON.parse(f.payload) as TemplateMessage) : null;
      const skipReason = out.has(f.number) ? "opted_out" : payload ? null : "missing_payload";
      recipients.push({ id: newMessageId(), number: f.number, payload: skipReason ? null : payload, skipReason });
      if (recipients.length === limit) return { recipients, next: f.slot };
    }
    if (failed.length < limit) return { recipients, next: null };
  }
}
