import { readConfig } from "../../platform/config";
import type { Db } from "../../platform/db/client";
import type { Logger } from "../../platform/log";
import { loadBroadcastCampaign } from "../broadcast-messages/campaign";
import {
  decide,
  fitOf,
  type LimitCheck,
  type LimitDecision,
  type LimitPolicy,
  limitStanding,
} from "../messaging-limit/check";
import { dryRun } from "./dry-run";

export interface LimitGate {
  /** Null when there was nothing to check: no finite limit, or a retry run. */
  check: LimitCheck | null;
  decision: LimitDecision;
}

const GO: LimitGate = { check: null, decision: { go: true } };

/**
 * Whether a run about to start fits in what is left of its portfolio's messaging limit (Meta's,
 * per moving 24 hours), and what its policy makes of it. Only a finite limit costs anything: the
 * run's recipients are counted as a dry run counts them (those it would send to) and the window's
 * unique recipients are read (also under policy `send`, whose answer still says what fits). The
 * count treats every recipient as new today, as Meta would for people outside the window. A retry run is not checked: it re-sends to people of its first run,
 * who mostly count in the window already.
 */
export async function limitGate(
  deps: { env: Env; db: Db; log?: Logger },
  run: { projectId: string; campaignId: string; audiences: string[]; retryOf: string | null },
  policy: LimitPolicy,
  now = Date.now(),
): Promise<LimitGate> {
  if (run.retryOf !== null) return GO;
  const standing = await limitStanding(deps.env, deps.db, run.projectId, now);
  if (standing.limit === null || standing.remaining === null) return GO;
  const campaign = await loadBroadcastCampaign(deps.db, run.projectId, run.campaignId);
  if (!campaign) return GO;
  let recipients: number;
  try {
    const counted = await dryRun(
      deps.db,
      campaign,
      run.audiences,
      { usMarketingPaused: readConfig(deps.env).US_MARKETING_PAUSED },
      deps.env,
    );
    recipients = counted.wouldSend;
  } catch (err) {
    // Audiences too large to count in one statement: the run goes as it did before the check.
    deps.log?.warn("messaging limit check could not count the run's recipients", { campaignId: run.campaignId, err });
    return GO;
  }
  const check = fitOf(standing, recipients);
  return { check, decision: decide(check, policy) };
}
