import type { Counts, StatsEntry } from "../../durable-objects/campaign-stats/counters";
import type { Transition } from "../../platform/db/schema";
import { addDeltas, deltasOf } from "./deltas";

/**
 * The run a message without a run id counts under. API campaigns send one message per request and
 * have no runs, so all their counters sit under this one key; broadcast runs have generated ids
 * (`run_…`), which can never be this.
 */
export const API_RUN_ID = "api";

/** The CampaignStats object of a campaign (one per campaign id). */
export function campaignStats(env: Pick<Env, "CAMPAIGN_STATS">, campaignId: string) {
  return env.CAMPAIGN_STATS.get(env.CAMPAIGN_STATS.idFromName(campaignId));
}

/**
 * Sums the transitions' deltas (src/features/stats/deltas.ts) per campaign and run, then makes ONE RPC
 * (`addMany`) per campaign whose counters move, all campaigns in parallel. Transitions without a
 * campaign are not counted anywhere, and a batch that moves no counter makes no call.
 *
 * Callers pass real transitions only (what applyStatus and the inserts return); a replayed webhook
 * already yields no transition there, so nothing is deduplicated here.
 *
 * A transition from the ledger carries its batch's time (`at`), the minute it counts in, in the
 * series; the others count when the object receives them.
 *
 * Every campaign is attempted even when another's call fails; the failures are then thrown
 * together as one AggregateError.
 */
export async function recordStats(
  env: Pick<Env, "CAMPAIGN_STATS">,
  transitions: (Transition & { eventId?: number; at?: number; source?: string })[],
): Promise<void> {
  const byCampaign = new Map<string, Map<string, Partial<Counts>>>();
  const fromLedger = new Map<string, StatsEntry[]>();
  for (const transition of transitions) {
    if (!transition.campaignId) continue;
    const deltas = deltasOf(transition);
    if (Object.keys(deltas).length === 0) continue;
    if (transition.eventId !== undefined) {
      // Kept one entry per history row, so the object can skip the rows it counted already.
      const entries = fromLedger.get(transition.campaignId) ?? [];
      // Its time too: the series counts the move in the minute its batch ran.
      entries.push({
        runId: transition.runId ?? API_RUN_ID,
        deltas,
        eventId: transition.eventId,
        ...(transition.source === undefined ? {} : { source: transition.source }),
        ...(transition.at === undefined ? {} : { at: transition.at }),
      });
      fromLedger.set(transition.campaignId, entries);
      continue;
    }
    let runs = byCampaign.get(transition.campaignId);
    if (!runs) {
      runs = new Map();
      byCampaign.set(transition.campaignId, runs);
    }
    const runId = transition.runId ?? API_RUN_ID;
    runs.set(runId, addDeltas(runs.get(runId) ?? {}, deltas));
  }

  const calls = new Map<string, StatsEntry[]>(fromLedger);
  for (const [campaignId, runs] of byCampaign) {
    calls.set(campaignId, [
      ...(calls.get(campaignId) ?? []),
      ...[...runs].map(([runId, deltas]) => ({ runId, deltas })),
    ]);
  }
  const campaigns = [...calls];
  const results = await Promise.allSettled(
    campaigns.map(([campaignId, entries]) => campaignStats(env, campaignId).addMany(entries)),
  );
  const failures = results.flatMap((result, i) =>
    result.status === "rejected" ? [{ campaignId: campaigns[i]?.[0], reason: result.reason as unknown }] : [],
  );
  if (failures.length > 0) {
    throw new AggregateError(
      failures.map((f) => f.reason),
      `campaign stats not recorded for ${failures.length} of ${campaigns.length} campaigns: ${failures
        .map((f) => f.campaignId)
        .join(", ")}`,
    );
  }
}
