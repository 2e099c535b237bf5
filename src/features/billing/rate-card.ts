import { asc, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { rates } from "../../platform/db/schema";

export type RateRow = typeof rates.$inferSelect;

export const ANY_MARKET = "*";
const DAY_MS = 24 * 60 * 60 * 1000;

export async function readRateCard(db: Db): Promise<RateRow[]> {
  return db.select().from(rates).orderBy(asc(rates.category), asc(rates.market), asc(rates.effectiveFrom)).all();
}

/**
 * Replaces the whole card in one D1 batch (a delete and one insert from a JSON list, so the number
 * of rates never meets D1's 100 bound parameters): a reader sees the old card or the new one.
 */
export async function replaceRateCard(db: Db, card: Omit<RateRow, "id">[]): Promise<RateRow[]> {
  const list = JSON.stringify(card.map((r) => [r.category, r.market, r.currency, r.priceMicros, r.effectiveFrom]));
  await db.batch([
    db.delete(rates),
    db
      .insert(rates)
      .select(
        sql`SELECT NULL, j.value ->> '$[0]', j.value ->> '$[1]', j.value ->> '$[2]', j.value ->> '$[3]', j.value ->> '$[4]' FROM json_each(${list}) j WHERE true`,
      ),
  ]);
  return readRateCard(db);
}

/** Looks up the rate of a category in a market on a day: the market's own, else the card's "*". */
export class RateCard {
  readonly currency: string | null;
  readonly #byKey = new Map<string, RateRow[]>();

  constructor(rows: RateRow[]) {
    this.currency = rows[0]?.currency ?? null;
    for (const row of rows) {
      const key = `${row.category} ${row.market}`;
      const list = this.#byKey.get(key) ?? [];
      list.push(row);
      this.#byKey.set(key, list);
    }
    for (const list of this.#byKey.values()) list.sort((a, b) => a.effectiveFrom - b.effectiveFrom);
  }

  get empty(): boolean {
    return this.#byKey.size === 0;
  }

  /** Millionths of the card's currency per message, or null when the card has no rate for it. */
  priceMicros(category: string, market: string, day: number): number | null {
    const at = day * DAY_MS;
    for (const key of [`${category} ${market}`, `${category} ${ANY_MARKET}`]) {
      const list = this.#byKey.get(key);
      const rate = list?.filter((r) => r.effectiveFrom <= at).at(-1);
      if (rate) return rate.priceMicros;
    }
    return null;
  }
}
