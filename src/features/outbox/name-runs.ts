import type { Db } from "../../platform/db/client";
import { namedRuns } from "../../platform/db/run-refs";
import type { LedgerTransition } from "./ledger";

/**
 * Names every run transition by its run's public id and campaign: a broadcast run's messages, and
 * so their log entries, carry the run's short ref and leave the campaign to the run
 * (src/platform/db/schema/messages.ts). One read per run not yet known to the isolate.
 */
export async function nameRuns(db: Db, transitions: LedgerTransition[]): Promise<void> {
  const refs = new Set<string>();
  for (const t of transitions) if (t.runId !== null) refs.add(t.runId);
  if (refs.size === 0) return;
  const runs = await namedRuns(db, refs);
  for (const t of transitions) {
    const run = t.runId === null ? undefined : runs.get(t.runId);
    if (!run) continue;
    t.runId = run.id;
    t.campaignId ??= run.campaignId;
  }
}
