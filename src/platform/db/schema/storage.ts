import { integer, sqliteTable } from "drizzle-orm/sqlite-core";

/**
 * The database's size as D1 reports it (`meta.size_after`), one row per hour: the growth rate and
 * the days left before the ceiling are read from these (src/features/storage/).
 */
export const storageSamples = sqliteTable("storage_samples", {
  // Unix hours: the sweep writes every minute, the last reading of an hour stays.
  hour: integer("hour").primaryKey(),
  bytes: integer("bytes").notNull(),
  at: integer("at").notNull(),
});
