import { integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * The operator's rate card: what Meta charges per delivered message of a category in a market
 * (a country, "+<calling code>", or "*" for every market without its own rate), from a date on.
 * Meta changes rates at quarter starts, so a card keeps each rate's effective date and a message is
 * priced at the rate in effect on the day it was delivered. One card for the deployment, in one
 * currency; prices in millionths of it.
 */
export const rates = sqliteTable(
  "rates",
  {
    id: integer("id").primaryKey(),
    category: text("category").notNull(),
    market: text("market").notNull(),
    currency: text("currency").notNull(),
    priceMicros: integer("price_micros").notNull(),
    /** Unix ms: the start of the UTC day the rate applies from. */
    effectiveFrom: integer("effective_from").notNull(),
  },
  (t) => [uniqueIndex("rates_key").on(t.category, t.market, t.effectiveFrom)],
);
