import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt } from "./columns";

/**
 * A queue message that exhausted its retries on the events, jobs or callbacks queue, kept whole so an
 * operator can see why and replay it after a fix: a status webhook or a STOP that Meta will not
 * resend is never dropped. (The sends queue's dead letters are recorded on the message itself.)
 * No foreign key to projects: a dead letter outlives what it names, and some bodies name none.
 */
export const deadLetters = sqliteTable(
  "dead_letters",
  {
    id: text("id").primaryKey(),
    queue: text("queue", { enum: ["events", "jobs", "callbacks"] }).notNull(),
    // The queue's own id of the message: a dead letter delivered twice is recorded once.
    queueMessageId: text("queue_message_id").notNull(),
    projectId: text("project_id"),
    kind: text("kind").notNull(),
    body: text("body", { mode: "json" }).notNull(),
    attempts: integer("attempts").notNull(),
    reason: text("reason").notNull(),
    createdAt: createdAt(),
    replayedAt: integer("replayed_at"),
  },
  (t) => [
    uniqueIndex("dead_letters_queue_message").on(t.queue, t.queueMessageId),
    index("dead_letters_queue_id").on(t.queue, t.id),
  ],
);
