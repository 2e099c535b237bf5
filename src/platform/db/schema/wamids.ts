import { sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Where a message a run keeps in its own object (src/features/run-ledger) is, by its wamid: what a
 * reply that quotes only the wamid (`context.id`) is linked through. One row per sent message,
 * keyed by the wamid's last 16 characters (its random end, as `messages_wamid_key` is) and
 * WITHOUT ROWID, so the key is the row: about 30 bytes a message. The key is not checked against
 * the whole wamid (the object keeps that): two of one project's wamids sharing 16 random
 * characters is a chance of about 1 in 2^90. Statuses need none of it: their callback data names
 * the message.
 */
export const wamidRoutes = sqliteTable("wamid_routes", {
  key: text("key").primaryKey(),
  // The message's id (`msg_r<run ref>.<slot>`, src/platform/ids.ts), which names its run.
  messageId: text("message_id").notNull(),
});

/** The run ref a route's message id names, as SQL (`column`: SQL text of the message id). */
export const routedRunRefSql = (column: string) => `substr(${column}, 6, instr(${column}, '.') - 6)`;
