import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { projectRef } from "./projects";

/**
 * The clicks on a tracked url button (a broadcast campaign's `trackClicks`): one row per message and
 * button, written on its first click and counted up on the next ones, so the total is the sum of
 * `clicks` and the people are the rows (distinct numbers across a campaign's runs). A click is rare
 * beside a send, so nothing is written per message sent.
 */
export const linkClicks = sqliteTable(
  "link_clicks",
  {
    messageId: text("message_id").notNull(),
    /** The button's index in the campaign's `buttons`. */
    button: integer("button").notNull(),
    projectId: projectRef(),
    campaignId: text("campaign_id").notNull(),
    runId: text("run_id").notNull(),
    // The recipient, read from the message row as the click is recorded; NULL once the message has
    // moved to the archive, and the message then stands for its recipient.
    number: text("number"),
    clicks: integer("clicks").notNull(),
    firstAt: integer("first_at").notNull(),
    lastAt: integer("last_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.messageId, t.button] }),
    // A campaign's counts, and a run's (its campaign is known): both are a range of this index.
    index("link_clicks_campaign").on(t.campaignId, t.runId, t.button, t.number),
  ],
);
