import { sql } from "drizzle-orm";
import type { Db } from "./client";
import { jsonList } from "./json-list";
import { runRefSql } from "./schema";

// A broadcast run's messages name their run by its short `ref` and leave their campaign to it
// (src/platform/db/schema/runs.ts, messages.ts). Code that reads many messages at once (a claim,
// an outbox page) names their runs here instead of with a lookup per message: a run never changes
// its ref, id or campaign and is never deleted, so what an isolate remembers never goes stale,
// and a run's pages cost one read of its row per isolate, whatever their size.

/** A run as its messages name it. */
export interface NamedRun {
  id: string;
  campaignId: string;
}

const known = new Map<string, NamedRun>();
const REMEMBERED = 10_000;

/**
 * The runs named by `refs` (messages' `run_id` values: a run's ref, or its id for a run created
 * before refs), one read for those not remembered. A value no run carries is left out.
 */
export async function namedRuns(db: Db, refs: Iterable<string>): Promise<Map<string, NamedRun>> {
  const wanted = new Set(refs);
  const missing = [...wanted].filter((ref) => !known.has(ref));
  if (missing.length > 0) {
    const rows = await db.all<{ ref: string; id: string; campaign_id: string }>(
      sql`SELECT j.value AS ref, r.id, r.campaign_id FROM ${jsonList(missing, "j")} CROSS JOIN runs r WHERE ${sql.raw(runRefSql("r"))} = j.value`,
    );
    if (known.size + rows.length > REMEMBERED) known.clear();
    for (const r of rows) known.set(r.ref, { id: r.id, campaignId: r.campaign_id });
  }
  const found = new Map<string, NamedRun>();
  for (const ref of wanted) {
    const run = known.get(ref);
    if (run) found.set(ref, run);
  }
  return found;
}
