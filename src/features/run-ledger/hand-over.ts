import { createDb } from "../../platform/db/client";
import type { Transition } from "../../platform/db/schema";
import { ledgerMessageId } from "../../platform/ids";
import { enqueueCallbacks } from "../customer-callbacks/enqueue";
import { recordStats } from "../stats/record";
import type { LedgerMeta, LedgerMove } from "./schema";
import type { LedgerStore } from "./store";

/** Log rows handed over per round: each lists one call's moves (a page of up to 500). */
export const LOG_PAGE = 20;

/** The source the campaign's statistics keep this ledger's watermark under. */
export const sourceOf = (meta: LedgerMeta) => `run:${meta.runRef}`;

/** A log page's moves as the transitions the counters and the callbacks take. */
export function transitionsOf(meta: LedgerMeta, rows: { id: number; moves: string; at: number }[]) {
  const source = sourceOf(meta);
  return rows.flatMap((row) =>
    (JSON.parse(row.moves) as LedgerMove[]).map(
      ([slot, from, to, code, title, message]): Transition & { eventId: number; at: number; source: string } => ({
        eventId: row.id,
        at: row.at,
        source,
        messageId: ledgerMessageId(meta.runRef, slot),
        projectId: meta.projectId,
        campaignId: meta.campaignId,
        // An API day's messages are of no run, as the D1 ledger's API messages are.
        runId: (meta.apiDay ?? null) === null ? meta.runId : null,
        from,
        to,
        ...(to === "failed" ? { error: { code: code ?? null, title: title ?? "error", message: message ?? "" } } : {}),
      }),
    ),
  );
}

/**
 * Hands the oldest log rows to the campaign's statistics and the customer's callbacks, then
 * deletes them; whether more are waiting. A round that fails keeps its rows, and hands them over
 * again: the statistics skip what they counted (the watermark per ledger), and callbacks carry
 * stable ids that receivers deduplicate by (docs/customer-callbacks.md).
 */
export async function handOver(env: Env, store: LedgerStore, meta: LedgerMeta): Promise<boolean> {
  const rows = store.exec<{ id: number; moves: string; at: number }>(
    "SELECT id, moves, at FROM log ORDER BY id LIMIT ?",
    LOG_PAGE,
  );
  const last = rows.at(-1);
  if (!last) return false;
  const transitions = transitionsOf(meta, rows);
  await Promise.all([recordStats(env, transitions), enqueueCallbacks(env, createDb(env.DB), transitions)]);
  store.exec("DELETE FROM log WHERE id <= ?", last.id);
  return rows.length === LOG_PAGE;
}
