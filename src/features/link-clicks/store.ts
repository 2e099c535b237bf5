import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { campaigns, linkClicks, messages, runs } from "../../platform/db/schema";
import { parseLedgerMessageId } from "../../platform/ids";
import type { LinkClickJob } from "../../queues/contracts";
import type { BroadcastButton } from "../broadcast-messages/buttons";
import { type BroadcastCampaign, loadBroadcastCampaign } from "../broadcast-messages/campaign";
import { runLedger } from "../run-ledger";
import { getRun } from "../runs/store";

// D1 access for link clicks: where a token's run leads (cached, as a run's campaign and a broadcast
// campaign's buttons never change), the one upsert a click costs, and the counts.

/** What a click needs of its run: the project and campaign it counts for, and the buttons' urls. */
export interface LinkTarget {
  projectId: string;
  campaignId: string;
  buttons: BroadcastButton[];
}

const targets = new Map<string, LinkTarget>();
const TARGETS_KEPT = 1000;

/** The run's project, campaign and buttons, or null when the run or its campaign is gone. */
export async function linkTarget(db: Db, runId: string): Promise<LinkTarget | null> {
  const cached = targets.get(runId);
  if (cached) return cached;
  const row = await db
    .select({ projectId: runs.projectId, campaignId: runs.campaignId, buttons: campaigns.buttons })
    .from(runs)
    .innerJoin(campaigns, and(eq(campaigns.id, runs.campaignId), eq(campaigns.projectId, runs.projectId)))
    .where(eq(runs.id, runId))
    .get();
  if (!row) return null;
  const target = { ...row, buttons: (row.buttons as BroadcastButton[] | null) ?? [] };
  if (targets.size >= TARGETS_KEPT) targets.clear();
  targets.set(runId, target);
  return target;
}

export type Click = Omit<LinkClickJob, "kind">;

/**
 * One click, in one statement: the first on a message's button inserts its row (with the
 * recipient's number, while the message is still in D1 or its run's own object), each later one
 * counts it up.
 */
export async function recordClick(db: Db, ledgers: Pick<Env, "RUN_LEDGER">, click: Click): Promise<void> {
  // A message kept in its run's own object (src/features/run-ledger) is asked there for its number.
  const inObject = parseLedgerMessageId(click.messageId);
  const number = inObject
    ? ((await runLedger(ledgers, inObject.runRef).message(click.projectId, inObject.slot))?.row.number ?? null)
    : sql`(SELECT ${messages.number} FROM ${messages} WHERE ${messages.id} = ${click.messageId})`;
  await db
    .insert(linkClicks)
    .values({ ...click, number, clicks: 1, firstAt: click.at, lastAt: click.at })
    .onConflictDoUpdate({
      target: [linkClicks.messageId, linkClicks.button],
      set: { clicks: sql`${linkClicks.clicks} + 1`, lastAt: sql`max(${linkClicks.lastAt}, excluded.last_at)` },
    })
    .run();
}

export interface LinkButtonClicks {
  /** The button's index in the campaign's `buttons`. */
  index: number;
  text: string;
  url: string;
  clicks: number;
  people: number;
}

export interface LinkClicks {
  campaign: BroadcastCampaign;
  runId: string | null;
  buttons: LinkButtonClicks[];
}

/**
 * Clicks per url button of a broadcast campaign (or of one of its runs): every click, and the
 * people who clicked (distinct numbers; a message moved to the archive before its first click
 * stands for its recipient). Null when the project has no such campaign or run.
 */
export async function linkClickCounts(
  db: Db,
  projectId: string,
  of: { campaignId: string } | { runId: string },
): Promise<LinkClicks | null> {
  let campaignId: string;
  let runId: string | null = null;
  if ("runId" in of) {
    const run = await getRun(db, projectId, of.runId);
    if (!run) return null;
    campaignId = run.campaignId;
    runId = run.id;
  } else {
    campaignId = of.campaignId;
  }
  const [campaign, rows] = await Promise.all([
    loadBroadcastCampaign(db, projectId, campaignId),
    db
      .select({
        button: linkClicks.button,
        clicks: sql<number>`sum(${linkClicks.clicks})`.as("clicks"),
        people: sql<number>`count(DISTINCT coalesce(${linkClicks.number}, ${linkClicks.messageId}))`.as("people"),
      })
      .from(linkClicks)
      .where(and(eq(linkClicks.campaignId, campaignId), runId === null ? undefined : eq(linkClicks.runId, runId)))
      .groupBy(linkClicks.button)
      .all(),
  ]);
  if (!campaign) return null;
  const counted = new Map(rows.map((r) => [r.button, r]));
  const buttons = campaign.buttons.flatMap((button, index) =>
    button.type === "url"
      ? [
          {
            index,
            text: button.text,
            url: button.url,
            clicks: counted.get(index)?.clicks ?? 0,
            people: counted.get(index)?.people ?? 0,
          },
        ]
      : [],
  );
  return { campaign, runId, buttons };
}
