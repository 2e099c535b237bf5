import { sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import type { StatusUpdate } from "../../platform/db/schema";
import { parseLedgerMessageId } from "../../platform/ids";
import type { Logger } from "../../platform/log";
import { completeLedgerRuns } from "./complete";
import { runLedger } from "./index";
import type { SlotStatus } from "./statuses";

/**
 * Applies the statuses whose message is in a run's own object (its id, from the send's callback
 * data, names the run and the slot), one call per run and project; returns the others, for the D1
 * ledger. The objects' logs carry the moves to the statistics and the callbacks. A run left with
 * nothing queued or sending (an unknown outcome settled by Meta's word) is completed.
 */
export async function applyLedgerStatuses(
  env: Pick<Env, "RUN_LEDGER">,
  db: Db,
  updates: StatusUpdate[],
  log: Logger,
): Promise<StatusUpdate[]> {
  const rest: StatusUpdate[] = [];
  const groups = new Map<string, { runRef: string; projectId: string; updates: SlotStatus[] }>();
  for (const update of updates) {
    const named = update.messageId ? parseLedgerMessageId(update.messageId) : null;
    if (!named) {
      rest.push(update);
      continue;
    }
    const key = `${named.runRef} ${update.projectId}`;
    const group = groups.get(key) ?? { runRef: named.runRef, projectId: update.projectId, updates: [] };
    group.updates.push({ slot: named.slot, change: update.change });
    groups.set(key, group);
  }
  const settled = await Promise.all(
    [...groups.values()].map(async (g) => {
      const { duplicates, finished } = await runLedger(env, g.runRef).statuses(g.projectId, g.updates);
      for (const d of duplicates)
        log.warn("a second wamid for one message: it was sent twice", { ...d, runRef: g.runRef });
      return finished ? [g.runRef] : [];
    }),
  );
  const refs = settled.flat();
  if (refs.length > 0) {
    const runs = await db.all<{ id: string; ref: string }>(
      sql`SELECT id, ref FROM runs WHERE ref IN (SELECT value FROM json_each(${JSON.stringify(refs)}))`,
    );
    await completeLedgerRuns(env, db, runs);
  }
  return rest;
}
