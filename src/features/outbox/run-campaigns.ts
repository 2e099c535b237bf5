import { sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { jsonList } from "../../platform/db/json-list";
import type { LedgerTransition } from "./ledger";

// A broadcast run's messages leave their campaign to the run (src/platform/db/schema/messages.ts),
// and so do their log entries: the outbox names the campaign from the run, which never changes
// it. Remembered per isolate, so a run's pages cost one read of its row, not one per move.
const campaignOfRun = new Map<string, string>();
const REMEMBERED = 10_000;

/** Fills in the campaign of every transition of a run that does not name it. */
export async function withRunCampaigns(db: Db, transitions: LedgerTransition[]): Promise<void> {
  const missing = new Set<string>();
  for (const t of transitions) {
    if (t.campaignId === null && t.runId !== null && !campaignOfRun.has(t.runId)) missing.add(t.runId);
  }
  if (missing.size > 0) {
    const rows = await db.all<{ id: string; campaign_id: string }>(
      sql`SELECT r.id, r.campaign_id FROM ${jsonList([...missing], "j")} CROSS JOIN runs r WHERE r.id = j.value`,
    );
    if (campaignOfRun.size + rows.length > REMEMBERED) campaignOfRun.clear();
    for (const r of rows) campaignOfRun.set(r.id, r.campaign_id);
  }
  for (const t of transitions) {
    if (t.campaignId === null && t.runId !== null) t.campaignId = campaignOfRun.get(t.runId) ?? null;
  }
}
