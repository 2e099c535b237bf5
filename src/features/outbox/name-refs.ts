import type { Db } from "../../platform/db/client";
import { namedCampaigns, namedRuns } from "../../platform/db/refs";
import type { LedgerTransition } from "./ledger";

/**
 * Names every transition's run and campaign by their public ids: a broadcast run's messages, and
 * so their log entries, carry the run's short ref and leave the campaign to the run; an API
 * campaign's carry the campaign's short ref (src/platform/db/schema/messages.ts). One read per run
 * or campaign not yet known to the isolate.
 */
export async function nameRefs(db: Db, transitions: LedgerTransition[]): Promise<void> {
  const runRefs = new Set<string>();
  const campaignRefs = new Set<string>();
  for (const t of transitions) {
    if (t.runId !== null) runRefs.add(t.runId);
    if (t.campaignId !== null) campaignRefs.add(t.campaignId);
  }
  const runs = runRefs.size === 0 ? new Map() : await namedRuns(db, runRefs);
  const campaigns = campaignRefs.size === 0 ? new Map<string, string>() : await namedCampaigns(db, campaignRefs);
  for (const t of transitions) {
    if (t.campaignId !== null) t.campaignId = campaigns.get(t.campaignId) ?? t.campaignId;
    const run = t.runId === null ? undefined : runs.get(t.runId);
    if (!run) continue;
    t.runId = run.id;
    t.campaignId ??= run.campaignId;
  }
}
