import type { StatsSnapshot } from "../../durable-objects/campaign-stats/counters";
import type { Db } from "../../platform/db/client";
import { iso } from "../../platform/time";
import type { BroadcastCampaign } from "../broadcast-messages/campaign";
import { type RunRow, toRun } from "../runs/schemas";
import { listRunsOfCampaigns } from "../runs/store";
import { campaignStats } from "../stats/record";
import { EMPTY_RESULTS, toResults } from "../stats/results";
import type { Campaign } from "./schemas";
import { ACTIVE_RUN_STATUSES } from "./store";

const isActive = (run: RunRow) => (ACTIVE_RUN_STATUSES as readonly string[]).includes(run.status);

/** The API's Campaign: the campaign, its runs and its results from the CampaignStats object. */
export function toCampaign(campaign: BroadcastCampaign, runs: RunRow[], stats: StatsSnapshot | null): Campaign {
  const results = stats ? toResults(stats.total) : EMPTY_RESULTS;
  return {
    campaignId: campaign.id,
    title: campaign.title,
    message: campaign.message,
    imgUrl: campaign.imgUrl,
    imgMedia: campaign.imgMedia,
    variables: campaign.variables,
    buttons: campaign.buttons,
    trackClicks: campaign.trackClicks,
    locale: campaign.language,
    templateType: campaign.category,
    templateId: campaign.templateId,
    templateName: campaign.templateName,
    whatsAppTemplatesStatus: campaign.templateStatus,
    active: runs.some(isActive),
    runs: runs.map((run) => toRun(run, stats?.runs[run.id] ?? null)),
    results,
    totalSent: results.Sent,
    totalDelivered: results.Delivered,
    totalRead: results.Read,
    createdAt: iso(campaign.createdAt),
  };
}

/**
 * Campaign objects for a page of campaigns: one D1 query for all their runs, and one read of each
 * campaign's statistics object, all in parallel.
 */
export async function campaignViews(
  deps: { env: Env; db: Db },
  projectId: string,
  campaigns: BroadcastCampaign[],
): Promise<Campaign[]> {
  const [runs, snapshots] = await Promise.all([
    listRunsOfCampaigns(
      deps.db,
      projectId,
      campaigns.map((c) => c.id),
    ),
    Promise.all(campaigns.map((c) => campaignStats(deps.env, c.id).read())),
  ]);
  const byCampaign = new Map<string, RunRow[]>();
  for (const run of runs) {
    const list = byCampaign.get(run.campaignId) ?? [];
    list.push(run);
    byCampaign.set(run.campaignId, list);
  }
  return campaigns.map((c, i) => toCampaign(c, byCampaign.get(c.id) ?? [], snapshots[i] ?? null));
}
