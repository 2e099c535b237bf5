import { type SQL, sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { wamidIs, wamidKey } from "./messages";
import { projectRef } from "./projects";

/**
 * Every inbound message people send: quick-reply presses (template `button` messages and
 * interactive replies), texts, media, reactions… Linked to the message it answers, and through it
 * to the campaign and run, when the quoted wamid is one of ours; unlinked otherwise, kept to tell
 * whether a recipient wrote back within a day of a delivery (src/features/replies/replied.ts).
 */
export const responses = sqliteTable(
  "responses",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    projectId: projectRef(),
    // E.164, like contacts.number.
    number: text("number").notNull(),
    // No foreign keys: a response outlives the message or campaign it answered.
    messageId: text("message_id"),
    campaignId: text("campaign_id"),
    runId: text("run_id"),
    // The inbound message's own wamid: a replayed webhook stores nothing twice (`responseIsNew`).
    wamid: text("wamid").notNull(),
    kind: text("kind", {
      enum: ["button", "text", "interactive", "reaction", "media", "location", "contacts", "order"],
    }).notNull(),
    payload: text("payload"),
    text: text("text"),
    receivedAt: integer("received_at").notNull(),
  },
  (t) => [
    // A response by its wamid, through its last characters as `messages_wamid_key` does: 16 of its
    // ~50, and no project id, where a unique index on (project, wamid) held about 90 bytes a
    // response. Responses stay in D1 past the retention, so the index is most of what they keep.
    // Nothing enforces a wamid once: the insert that stores a response checks, in the same
    // statement, that the project has none with the whole wamid (D1 runs one statement at a time).
    index("responses_wamid_key").on(wamidKey(sql`${t.wamid}`)),
    // A campaign's responses in id order (its listing, its presses' analytics): by campaign alone,
    // since a campaign id is one project's (queries still check the project on the row), and only
    // responses linked to a campaign, so an unlinked reply writes no entry here.
    index("responses_campaign").on(t.campaignId, t.id).where(sql`campaign_id IS NOT NULL`),
    // A person's responses (segments, replies within a day of a delivery, retargeting from a
    // press): by number alone, the project checked on the row. A number is in few projects, and
    // the project's id in every entry was 28 bytes a response.
    index("responses_number").on(t.number),
  ],
);

/**
 * No response of the project has this wamid (`projectId`, `wamid`: SQL of them), through
 * `responses_wamid_key`: the condition under which an insert stores a response, in its own
 * statement, so a replayed webhook stores nothing twice. The list a statement inserts from must
 * hold each wamid once: SQLite reads the whole list before the first row goes in.
 */
export const responseIsNew = (projectId: SQL, wamid: SQL) =>
  sql`NOT EXISTS (SELECT 1 FROM responses x WHERE ${wamidIs("x.wamid", wamid)} AND x.project_id = ${projectId})`;
