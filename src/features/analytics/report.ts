import { and, eq } from "drizzle-orm";
import { type Counts, rate } from "../../durable-objects/campaign-stats/counters";
import type { Db } from "../../platform/db/client";
import { campaigns, runs } from "../../platform/db/schema";
import { archivedMessages } from "../archive/retarget";
import { archivedApiDays, archivedRuns } from "../archive/store";
import { countRepliedLive, repliedAmong } from "../replies/replied";
import { campaignStats } from "../stats/record";
import { type ButtonClicks, buttonClicks } from "./buttons";

// A run's or a campaign's engagement: the stats object's funnel up to `read`, then `replied`
// counted from the responses (src/features/replies/replied.ts) — a run in D1 by one grouped read
// through its index, an archived run or API campaign day read through once — and the clicks per
// quick-reply button (./buttons.ts).

type Funnel = Pick<Counts, "queued" | "sent" | "delivered" | "read"> & { replied: number };

const ZERO = { queued: 0, sent: 0, delivered: 0, read: 0 };

function report(counts: Partial<Counts> | undefined, replied: number, buttons: ButtonClicks[]) {
  const { queued, sent, delivered, read } = { ...ZERO, ...counts };
  const funnel: Funnel = { queued, sent, delivered, read, replied };
  return { funnel, replyRate: rate(replied, delivered), buttons };
}

export type Analytics = ReturnType<typeof report>;

/** Replied messages of an archived unit, less those D1 still holds when `liveToo` is false. */
async function countRepliedArchived(
  db: Db,
  bucket: R2Bucket,
  projectId: string,
  runId: string | null,
  r2Key: string,
  liveToo: boolean,
) {
  let replied = 0;
  for await (const batch of archivedMessages(db, bucket, projectId, r2Key, liveToo)) {
    replied += (await repliedAmong(db, projectId, runId, batch)).size;
  }
  return replied;
}

async function countRepliedRun(db: Db, bucket: R2Bucket, projectId: string, runId: string, r2Key?: string) {
  if (r2Key === undefined) return countRepliedLive(db, projectId, { runId });
  return countRepliedArchived(db, bucket, projectId, runId, r2Key, true);
}

/** The project's campaign with its kind and buttons, or undefined. */
export function projectCampaign(db: Db, projectId: string, campaignId: string) {
  return db
    .select({ id: campaigns.id, kind: campaigns.kind, buttons: campaigns.buttons })
    .from(campaigns)
    .where(and(eq(campaigns.projectId, projectId), eq(campaigns.id, campaignId)))
    .get();
}

export async function runAnalytics(
  env: Pick<Env, "CAMPAIGN_STATS" | "FILES">,
  db: Db,
  projectId: string,
  run: { id: string; campaignId: string },
): Promise<Analytics> {
  const [campaign, [manifest], stats] = await Promise.all([
    projectCampaign(db, projectId, run.campaignId),
    archivedRuns(db, projectId, run.campaignId, run.id),
    campaignStats(env, run.campaignId).read(),
  ]);
  const [replied, buttons] = await Promise.all([
    countRepliedRun(db, env.FILES, projectId, run.id, manifest?.r2Key),
    buttonClicks(db, projectId, { id: run.campaignId, buttons: campaign?.buttons ?? null }, run.id),
  ]);
  return report(stats.runs[run.id], replied, buttons);
}

/**
 * A broadcast campaign's replies are its runs' (a person replying to two runs counts in each); an
 * API campaign's, its messages' in D1 and in each archived day.
 */
async function countRepliedCampaign(
  db: Db,
  bucket: R2Bucket,
  projectId: string,
  campaign: { id: string; kind: "api" | "broadcast" },
) {
  if (campaign.kind === "broadcast") {
    const [ids, manifests] = await Promise.all([
      db
        .select({ id: runs.id })
        .from(runs)
        .where(and(eq(runs.projectId, projectId), eq(runs.campaignId, campaign.id)))
        .all(),
      archivedRuns(db, projectId, campaign.id),
    ]);
    const keys = new Map(manifests.map((m) => [m.runId, m.r2Key]));
    let replied = 0;
    for (const run of ids) replied += await countRepliedRun(db, bucket, projectId, run.id, keys.get(run.id));
    return replied;
  }
  const days = await archivedApiDays(db, projectId, campaign.id);
  let replied = await countRepliedLive(db, projectId, { campaignId: campaign.id });
  for (const r2Key of days) replied += await countRepliedArchived(db, bucket, projectId, null, r2Key, false);
  return replied;
}

export async function campaignAnalytics(
  env: Pick<Env, "CAMPAIGN_STATS" | "FILES">,
  db: Db,
  projectId: string,
  campaign: { id: string; kind: "api" | "broadcast"; buttons: unknown },
): Promise<Analytics> {
  const [stats, replied, buttons] = await Promise.all([
    campaignStats(env, campaign.id).read(),
    countRepliedCampaign(db, env.FILES, projectId, campaign),
    buttonClicks(db, projectId, campaign),
  ]);
  return report(stats.total, replied, buttons);
}
