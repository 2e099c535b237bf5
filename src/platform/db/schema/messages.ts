import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, updatedAt } from "./columns";
import { projectRef } from "./projects";

/** One WhatsApp message to one recipient, from acceptance to its final state. */
export const messages = sqliteTable(
  "messages",
  {
    id: text("id").primaryKey(),
    projectId: projectRef(),
    campaignId: text("campaign_id"),
    runId: text("run_id"),
    templateId: text("template_id"),
    number: text("number").notNull(),
    status: text("status", {
      enum: ["queued", "sending", "sent", "delivered", "read", "failed", "skipped"],
    }).notNull(),
    // The provider-neutral message to send (src/whatsapp/provider.ts TemplateMessage), JSON.
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
    errorClass: text("error_class", { enum: ["retryable", "permanent", "account", "unknown"] }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    sentAt: integer("sent_at"),
    deliveredAt: integer("delivered_at"),
    readAt: integer("read_at"),
    failedAt: integer("failed_at"),
  },
  (t) => [
    uniqueIndex("messages_wamid").on(t.wamid),
    index("messages_project").on(t.projectId, t.id),
    index("messages_campaign_run").on(t.campaignId, t.runId, t.id),
    index("messages_status_updated").on(t.status, t.updatedAt),
    // A broadcast run sends at most one message per number, however many of its audiences hold it.
    uniqueIndex("messages_run_number").on(t.runId, t.number).where(sql`run_id IS NOT NULL`),
    // A run's messages by status, in id order: whether any are still queued or sending (completion),
    // and keyset pages of its queued (resume, cancel) or failed (retry) ones, without a scan.
    index("messages_run_status").on(t.runId, t.status, t.id).where(sql`run_id IS NOT NULL`),
  ],
);

/** Every state a message went through, in order, for `GET /v1/messages/{id}`. */
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

/**
 * What people answered to campaign messages: quick-reply presses (template `button` messages and
 * interactive replies) and text replies quoting one of our messages. Linked to the message it
 * answers, and through it to the campaign and run, when the quoted wamid is one of ours.
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
    // The inbound message's own wamid: a replayed webhook stores nothing twice.
    wamid: text("wamid").notNull(),
    kind: text("kind", {
      enum: ["button", "text", "interactive", "reaction", "media", "location", "contacts", "order"],
    }).notNull(),
    payload: text("payload"),
    text: text("text"),
    receivedAt: integer("received_at").notNull(),
  },
  (t) => [
    uniqueIndex("responses_project_wamid").on(t.projectId, t.wamid),
    index("responses_project_campaign").on(t.projectId, t.campaignId, t.id),
    index("responses_project_number").on(t.projectId, t.number),
  ],
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
}

export interface Transition {
  messageId: string;
  projectId: string;
  campaignId: string | null;
  runId: string | null;
  /** null: the message was just recorded (as queued or skipped). */
  from: MessageStatus | null;
  to: MessageStatus;
  error?: StatusChange["error"];
}

/**
 * Where the ledger's outbox (src/features/outbox) starts on a database that already had history
 * when it came in: rows up to `start` were counted before, by the code of that time. One row.
 */
export const ledgerOutbox = sqliteTable("ledger_outbox", {
  id: integer("id").primaryKey(),
  start: integer("start").notNull(),
});
