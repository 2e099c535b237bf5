import { sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { refOfCampaign, refOfRun } from "../../platform/db/schema";
import { FREE } from "../../whatsapp/pricing";
import { archivedMessages } from "../archive/retarget";
import { archivedRun } from "../archive/store";
import { runLedger } from "../run-ledger";
import { objectRunRef } from "../run-ledger/run-ref";
import type { RateCard } from "./rate-card";

// What Meta charges for a run or a campaign, from the pricing its status webhooks carried
// (src/whatsapp/pricing.ts): Meta charges a message when it is delivered, so the delivered messages
// are counted — charged (by category and market), free (service window, free entry point), or
// unpriced (no status with pricing arrived) — and, with a rate card, priced at the rate in effect
// on the UTC day each was delivered. Live messages are counted by one grouped read; an archived
// run or day is read through once.

const DAY_MS = 24 * 60 * 60 * 1000;

/** Delivered messages of one `billing` value, delivered on one UTC day (days since the epoch). */
interface Group {
  billing: string | null;
  day: number;
  count: number;
}

export class BillingTally {
  readonly #groups = new Map<string, Group>();

  add(billing: string | null, day: number, count = 1): void {
    const key = `${billing ?? ""}\n${day}`;
    const group = this.#groups.get(key) ?? { billing, day, count: 0 };
    group.count += count;
    this.#groups.set(key, group);
  }

  addMessages(messages: { billing: string | null; deliveredAt: number | null }[]): void {
    for (const m of messages) if (m.deliveredAt !== null) this.add(m.billing, Math.floor(m.deliveredAt / DAY_MS));
  }

  report(card: RateCard) {
    let delivered = 0;
    let free = 0;
    let unpriced = 0;
    let micros = 0;
    let unrated = 0;
    const markets = new Map<string, { category: string; market: string; count: number; micros: number | null }>();
    for (const g of this.#groups.values()) {
      delivered += g.count;
      if (g.billing === null) unpriced += g.count;
      else if (g.billing === FREE) free += g.count;
      else {
        const [category = "", market = ""] = g.billing.split(" ");
        const entry = markets.get(g.billing) ?? { category, market, count: 0, micros: 0 };
        entry.count += g.count;
        const price = card.priceMicros(category, market, g.day);
        if (price === null) {
          unrated += g.count;
          entry.micros = null;
        } else {
          micros += price * g.count;
          if (entry.micros !== null) entry.micros += price * g.count;
        }
        markets.set(g.billing, entry);
      }
    }
    const byMarket = [...markets.values()].sort(
      (a, b) => b.count - a.count || a.category.localeCompare(b.category) || a.market.localeCompare(b.market),
    );
    const byCategory = new Map<string, number>();
    for (const m of byMarket) byCategory.set(m.category, (byCategory.get(m.category) ?? 0) + m.count);
    const money = (value: number) => Math.round(value) / 1_000_000;
    return {
      delivered,
      charged: delivered - free - unpriced,
      free,
      unpriced,
      byCategory: [...byCategory].map(([category, count]) => ({ category, count })).sort((a, b) => b.count - a.count),
      byMarket: byMarket.map((m) => ({
        category: m.category,
        market: m.market,
        count: m.count,
        estimatedCost: card.empty || m.micros === null ? null : money(m.micros),
      })),
      estimatedCost: card.empty ? null : { currency: card.currency as string, amount: money(micros), unrated },
    };
  }
}

export type BillingReport = ReturnType<BillingTally["report"]>;

const grouped = (db: Db, where: ReturnType<typeof sql>) =>
  db.all<Group>(sql`
    SELECT m.billing AS billing, m.delivered_at / ${DAY_MS} AS day, count(*) AS count FROM messages m
    WHERE ${where} AND m.delivered_at IS NOT NULL GROUP BY 1, 2`);

/** Adds a run's delivered messages: one grouped read through the run's index, or its archive. */
export async function tallyRun(
  tally: BillingTally,
  env: Pick<Env, "FILES" | "RUN_LEDGER">,
  db: Db,
  projectId: string,
  runId: string,
): Promise<void> {
  const bucket = env.FILES;
  const manifest = await archivedRun(db, projectId, runId);
  // A run that keeps its messages in its own object (src/features/run-ledger) groups them there,
  // until its archive is written.
  const inObject = manifest ? null : await objectRunRef(db, projectId, runId);
  if (inObject !== null) {
    for (const g of await runLedger(env, inObject).billing(projectId)) tally.add(g.billing, g.day, g.count);
    return;
  }
  if (!manifest) {
    const rows = await grouped(db, sql`m.run_id = ${refOfRun(runId)} AND m.project_id = ${projectId}`);
    for (const g of rows) tally.add(g.billing, g.day, g.count);
    return;
  }
  for await (const batch of archivedMessages(db, bucket, projectId, manifest.r2Key)) tally.addMessages(batch);
}

/**
 * Adds an API campaign's delivered messages: those in D1 by one grouped read through the campaign's
 * index, then each archived day's, less the ones still in D1 (already counted).
 */
export async function tallyApiCampaign(
  tally: BillingTally,
  db: Db,
  bucket: R2Bucket,
  projectId: string,
  campaignId: string,
  dayKeys: string[],
): Promise<void> {
  const rows = await grouped(
    db,
    sql`m.campaign_id = ${refOfCampaign(campaignId)} AND m.run_id IS NULL AND m.project_id = ${projectId}`,
  );
  for (const g of rows) tally.add(g.billing, g.day, g.count);
  for (const key of dayKeys) {
    for await (const batch of archivedMessages(db, bucket, projectId, key, false)) tally.addMessages(batch);
  }
}
