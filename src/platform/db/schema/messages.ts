import { type SQL, sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { publicCampaignIdSql } from "./campaigns";
import { createdAt, updatedAt } from "./columns";
import { projectRef } from "./projects";
import { runNamedSql } from "./runs";
import { publicTemplateIdSql } from "./templates";

/**
 * A wamid's index key as SQL (`wamid`: SQL of a wamid): its last 16 characters, the expression of
 * `messages_wamid_key` below, which SQLite matches only when a query repeats it exactly.
 */
export const wamidKey = (wamid: SQL) => sql`substr(${wamid}, -16)`;

/** One WhatsApp message to one recipient, from acceptance to its final state. */
export const messages = sqliteTable(
  "messages",
  {
    id: text("id").primaryKey(),
    projectId: projectRef(),
    // An API campaign's `ref` (a short number) for campaigns that have one, else its id; find its
    // messages by `refOfCampaign()` (src/platform/db/schema/campaigns.ts). NULL on the messages a
    // broadcast run's fan-out records: their run names the campaign (a run's never changes), so
    // its 28 bytes are not repeated on every row. Run messages recorded by earlier versions keep
    // theirs. Read the public id through `campaignOfSql()`, and find a run's messages by run,
    // never by campaign.
    campaignId: text("campaign_id"),
    // The run's `ref` (a short number) for runs that have one, else its id: read the public id
    // through `runIdOfSql()`, and find a run's messages by `refOfRun()` (src/platform/db/schema/runs.ts).
    runId: text("run_id"),
    // An API campaign's message names its template by its ref in `template_refs` (a short
    // number), or by its id when recorded before refs. NULL on a broadcast run's messages: their
    // campaign names the template (a broadcast campaign's never changes, and campaigns are never
    // deleted), so it is not repeated on every row. Read it through `templateOfSql()`.
    templateId: text("template_id"),
    number: text("number").notNull(),
    status: text("status", {
      enum: ["queued", "sending", "sent", "delivered", "read", "failed", "skipped"],
    }).notNull(),
    // The provider-neutral message to send (src/whatsapp/provider.ts OutboundMessage), JSON: the
    // whole message when `payload_base` is NULL, else only what this recipient's message adds to
    // that shared base (src/features/messages/payload.ts). Read it through `storedPayload()`.
    payload: text("payload", { mode: "json" }),
    wamid: text("wamid"),
    attempts: integer("attempts").notNull().default(0),
    errorCode: integer("error_code"),
    errorTitle: text("error_title"),
    errorMessage: text("error_message"),
    skipReason: text("skip_reason"),
    // How the last provider error was classified (retryable, permanent, account, unknown): a run's
    // retry re-sends only the failures that were retryable; `unknown` (Meta may have the message)
    // waits for Meta's word, and is the one failure a later status webhook may still overturn.
    errorClass: text("error_class", { enum: ["retryable", "permanent", "account", "unknown", "template"] }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    sentAt: integer("sent_at"),
    deliveredAt: integer("delivered_at"),
    readAt: integer("read_at"),
    failedAt: integer("failed_at"),
    // When the last send claim was made (the history's `sending` step).
    claimedAt: integer("claimed_at"),
    // The message's history as one letter per step, in order (src/features/messages/trail.ts): the
    // times come from the columns above, so a step costs a byte instead of a row. NULL on messages
    // recorded before it existed, whose history is all in message_events.
    trail: text("trail"),
    // The token of the D1 batch that last moved the message: that batch's ledger_log row lists the
    // messages carrying it (src/features/outbox/log.ts). Never indexed, never read by the API.
    tx: integer("tx"),
    // The payload_bases row `payload` adds to; NULL: `payload` is the whole message.
    payloadBase: integer("payload_base"),
    // What Meta charges for it, from the `pricing` of its statuses (src/features/billing/pricing.ts):
    // "<category> <country>" when charged ("marketing IN"), "free" when not; NULL until Meta says.
    billing: text("billing"),
  },
  (t) => [
    // A message by its wamid (a status without our callback data, a reply quoting it), through the
    // wamid's last characters (`wamidKey`): the index holds 16 of its ~50 (the random end of
    // Meta's id), 40 bytes a sent message fewer than the whole. Two wamids that share them only
    // cost a second row read: queries compare the whole wamid too (`wamidIs`, `wamidIn`). Only
    // sent messages have a wamid: an unsent one costs the index nothing.
    index("messages_wamid_key")
      .on(wamidKey(sql`${t.wamid}`))
      .where(sql`wamid IS NOT NULL`),
    // An API campaign's messages, and a run's, in id order. Two partial indexes where one on
    // (campaign, run, id) held three ids per message: a run's messages are found by run (its
    // campaign's runs through `runs`), so their entries need not repeat the campaign. Queries say
    // `run_id IS NULL` for the first; `run_id = ?` implies the second's condition.
    index("messages_campaign").on(t.campaignId, t.id).where(sql`run_id IS NULL`),
    index("messages_run").on(t.runId, t.id).where(sql`run_id IS NOT NULL`),
    // Messages without a run still on their way (the sweep's stuck ones): a message leaves it once
    // sent, so the statuses after that rewrite no entry. A run's messages are not in it: the sweep
    // finds them through their open runs and `messages_run_open`, which saves each broadcast
    // message an entry written at its insert and another at its claim. Queries add `inFlight()`.
    index("messages_in_flight")
      .on(t.status, t.updatedAt)
      .where(sql`run_id IS NULL AND status IN ('queued', 'sending')`),
    // A broadcast run sends at most one message per number, however many of its audiences hold it.
    uniqueIndex("messages_run_number").on(t.runId, t.number).where(sql`run_id IS NOT NULL`),
    // A run's messages not settled yet (queued or sending), in id order: whether any are left
    // (completion), keyset pages of its queued ones (the governor, cancel), the oldest still
    // sending (the sweep). Named by columns only a settling move sets (`runUnsettled()`), not by
    // status: SQLite rewrites a partial index's entry whenever a column of its condition is
    // assigned, and D1 counts the new entry as a row written, so a condition on status cost every
    // claim (queued → sending) an entry. A message leaves it when sent, failed or skipped, for free
    // (D1 counts no removed entry), and delivered and read touch it no more.
    index("messages_run_open")
      .on(t.runId, t.id)
      .where(sql`run_id IS NOT NULL AND sent_at IS NULL AND failed_at IS NULL AND skip_reason IS NULL`),
    // A run's failed messages in id order (a retry's and the archive's pages): an entry is written
    // only when a message fails, since only then does the condition hold after the assignment.
    index("messages_run_failed").on(t.runId, t.id).where(sql`run_id IS NOT NULL AND status = 'failed'`),
  ],
);

/**
 * A message's public template id as SQL text (`table`: the name or alias the query gives
 * messages): an API campaign's message names it by its ref (one lookup by `template_refs`' key), a
 * run's message reads its campaign's, through its run.
 */
export const templateOfSql = (table = "messages") =>
  `coalesce(${publicTemplateIdSql(`${table}.template_id`)}, (SELECT c.template_id FROM runs r JOIN campaigns c ON c.id = r.campaign_id WHERE ${runNamedSql("r", `${table}.run_id`)}))`;

/**
 * A message's public campaign id as SQL text (`table`: the name or alias the query gives messages):
 * an API campaign's message names it by its ref (one lookup by `campaigns_ref`), a run's message
 * recorded without one reads its run's (one lookup by the run's key).
 */
export const campaignOfSql = (table = "messages") =>
  `coalesce(${publicCampaignIdSql(`${table}.campaign_id`)}, (SELECT r.campaign_id FROM runs r WHERE ${runNamedSql("r", `${table}.run_id`)}))`;

/** `campaignOfSql()` for drizzle's selects and RETURNING clauses on `messages`. */
export const campaignOf = () => sql<string | null>`${sql.raw(campaignOfSql())}`;

/**
 * `<wamid column> = <value>` through the wamid's index (`column`: the messages' wamid as SQL text,
 * e.g. "m.wamid"; `value`: SQL of the wamid sought): the key is compared first, then the whole
 * wamid, since two wamids may end alike.
 */
export const wamidIs = (column: string, value: SQL) =>
  sql`${wamidKey(sql.raw(column))} = ${wamidKey(value)} AND ${sql.raw(column)} = ${value}`;

/** `<wamid column> IN (<wamids>)` through the wamid's index, the list bound as one JSON parameter. */
export const wamidIn = (column: string, wamids: readonly string[]) => {
  const list = JSON.stringify([...new Set(wamids)]);
  return sql`${wamidKey(sql.raw(column))} IN (SELECT ${wamidKey(sql.raw("value"))} FROM json_each(${list})) AND ${sql.raw(column)} IN (SELECT value FROM json_each(${list}))`;
};

/**
 * The conditions of the partial indexes above, to be repeated in a query's WHERE (`table`: the
 * name or alias the query gives messages): SQLite uses a partial index only when the query's own
 * terms contain its condition.
 */
export const inFlight = (table = "messages") =>
  sql.raw(`${table}.run_id IS NULL AND ${table}.status IN ('queued', 'sending')`);
/**
 * A run's message that is queued or sending, in `messages_run_open`'s terms: nothing has settled it
 * (sent, failed or skipped). Queries still say which of the two statuses they want.
 */
export const runUnsettled = (table = "messages") =>
  sql.raw(
    `${table}.run_id IS NOT NULL AND ${table}.sent_at IS NULL AND ${table}.failed_at IS NULL AND ${table}.skip_reason IS NULL`,
  );
/** A run's failed message, through `messages_run_failed`. */
export const runFailed = (table = "messages") => sql.raw(`${table}.run_id IS NOT NULL AND ${table}.status = 'failed'`);

/**
 * What many messages' payloads share (template, header, buttons: everything but the recipient and
 * the body values), stored once and named by a hash of the project and the content, so writers
 * never coordinate: each batch of messages points at the base its own content hashes to. Never
 * deleted (a handful per campaign), so an archived or retried message's base is always there.
 */
export const payloadBases = sqliteTable(
  "payload_bases",
  {
    id: integer("id").primaryKey(),
    key: text("key").notNull(),
    body: text("body").notNull(),
  },
  (t) => [uniqueIndex("payload_bases_key").on(t.key)],
);

/**
 * The steps of a message's history that its row cannot hold (a retry's detail, an unknown outcome,
 * a journey message's origin, a second wamid), and the whole history of messages recorded before
 * the row's `trail` existed. The common path writes none.
 */
export const messageEvents = sqliteTable(
  "message_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    messageId: text("message_id")
      .notNull()
      .references(() => messages.id, { onDelete: "cascade" }),
    status: text("status").notNull(),
    at: integer("at").notNull(),
    errorCode: integer("error_code"),
    detail: text("detail"),
  },
  (t) => [index("message_events_message").on(t.messageId, t.id)],
);

// The ledger's vocabulary, typed next to its table: a status a message row can hold, a status a
// webhook reports, and one real move of a row from one status to another. Everything that reacts
// to a move (campaign counters, customer callbacks) depends on these types alone, not on the code
// that writes the ledger.
export type MessageStatus = (typeof messages.$inferSelect)["status"];

export interface StatusChange {
  status: "sent" | "delivered" | "read" | "failed";
  at: number;
  wamid?: string;
  error?: { code: number | null; title: string; message: string };
  /** Meta's pricing of the message, when the status carries it (src/whatsapp/pricing.ts). */
  pricing?: { category: string; charged: boolean };
}

/** One provider status for one message, found by our message id (from the send's callback data) or by wamid. */
export interface StatusUpdate {
  projectId: string;
  messageId?: string;
  wamid?: string;
  change: StatusChange;
}

export interface Transition {
  messageId: string;
  projectId: string;
  /**
   * null: an API send without one, or a run's message whose row leaves it to the run (a status
   * batch reads the row's own); the outbox names every run's campaign before counting.
   */
  campaignId: string | null;
  /**
   * A status batch's and a log entry's: the row's `run_id` (a run's ref); the others': the run's
   * public id. The outbox names every run by its public id before counting.
   */
  runId: string | null;
  /** null: the message was just recorded (as queued or skipped). */
  from: MessageStatus | null;
  to: MessageStatus;
  error?: StatusChange["error"];
}

/**
 * One entry of a ledger_log row: a move ([message id, from (null: just recorded), to, Meta's error
 * code for a failure]), then what its message says that the outbox hands on (project, campaign,
 * run; a failure's title and message, as the batch wrote them). The statement that writes the row
 * already reads each message to check its batch's token (src/features/messages/log.ts), so these
 * cost no read there, and the outbox reads the log rows alone. A run's message that leaves its
 * campaign to the run logs none either: the outbox names it from the run
 * (src/features/outbox/name-refs.ts). Entries written before they carried the message's fields
 * end after the code.
 */
export type LogEntry = [
  messageId: string,
  from: MessageStatus | null,
  to: MessageStatus,
  code: number | null,
  projectId: string,
  campaignId: string | null,
  runId: string | null,
  errorTitle: string | null,
  errorMessage: string | null,
];

/**
 * Where the ledger's outbox (src/features/outbox) starts on a database that already had history
 * when it came in: rows up to `start` were counted before, by the code of that time. One row.
 */
export const ledgerOutbox = sqliteTable("ledger_outbox", {
  id: integer("id").primaryKey(),
  start: integer("start").notNull(),
  // The last message_events row the outbox reads: history written after the ledger log came in
  // (migrations/0019) is in ledger_log. NULL before that migration ran its update.
  legacyThrough: integer("legacy_through"),
});

/**
 * The outbox since migrations/0019: one row per D1 batch that moved messages, listing each move
 * ([message id, from, to]) and written in that batch, so the moves and their record commit
 * together. Its ids continue message_events' (the migration seeds the sequence), so one watermark
 * orders both. Rows the outbox handed over are deleted, all but the newest.
 */
export const ledgerLog = sqliteTable("ledger_log", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  entries: text("entries").notNull(),
  // When the batch ran (Unix ms): the minute its moves count in, in the campaigns' time series.
  // NULL on rows written before it existed; those count at the time they are handed over.
  at: integer("at"),
});
