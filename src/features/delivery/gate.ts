import { sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { inJsonList } from "../../platform/db/json-list";
import { campaigns, runs } from "../../platform/db/schema";
import type { SendsBody } from "../../queues/contracts";

export const runIdOf = (job: SendsBody) => (job.kind === "send" ? job.runId : undefined);

/**
 * Whether a message may go out, from its campaign's and its run's status: a paused campaign or run
 * (or a run held by its template) keeps its messages queued (resuming re-enqueues them), a
 * cancelled run's messages are skipped.
 * Read once per batch; an account-level error pauses more as the batch goes on.
 */
export interface Gate {
  /**
   * Campaigns and runs whose messages are held, and templates held during this batch
   * (./template-hold.ts): their `cmp_`, `run_` and `tpl_` ids never collide.
   */
  held: Set<string>;
  cancelled: Set<string>;
}

export async function readGate(db: Db, jobs: SendsBody[]): Promise<Gate> {
  const campaignIds = [...new Set(jobs.flatMap((job) => job.campaignId ?? []))];
  const runIds = [...new Set(jobs.flatMap((job) => runIdOf(job) ?? []))];
  const gate: Gate = { held: new Set(), cancelled: new Set() };
  if (campaignIds.length + runIds.length === 0) return gate;
  // A batch of 100 messages may name 100 campaigns and 100 runs: one JSON parameter each, and one
  // statement for both (their `cmp_` and `run_` ids never collide).
  const rows = await db
    .select({ id: campaigns.id, status: sql<string>`${campaigns.status}` })
    .from(campaigns)
    .where(inJsonList(campaigns.id, campaignIds))
    .unionAll(
      db
        .select({ id: runs.id, status: sql<string>`${runs.status}` })
        .from(runs)
        .where(inJsonList(runs.id, runIds)),
    );
  for (const row of rows) {
    // A run waits for its template only before it starts, or when WhatsApp paused or disabled the
    // template mid-run (features/runs/wake.ts): then its queued messages wait with it.
    if (row.status === "paused" || row.status === "waiting_template") gate.held.add(row.id);
    else if (row.status === "cancelled") gate.cancelled.add(row.id);
  }
  return gate;
}

export function verdict(gate: Gate, job: SendsBody): "send" | "hold" | "skip" {
  const runId = runIdOf(job);
  if (runId && gate.cancelled.has(runId)) return "skip";
  if ((job.campaignId && gate.held.has(job.campaignId)) || (runId && gate.held.has(runId))) return "hold";
  return "send";
}
