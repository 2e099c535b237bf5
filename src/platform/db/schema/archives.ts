import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, updatedAt } from "./columns";
import { projectRef } from "./projects";

export const ARCHIVE_STATES = ["writing", "written", "pruned"] as const;

/**
 * One archived unit of messages (a finished broadcast run, or one UTC day of an API campaign) and
 * where it is in R2. `state` only moves forward: `writing` (the object may be missing or partial;
 * the rows are all in D1), `written` (the object holds every row as of `snapshotAt`; rows are
 * being deleted from D1), `pruned` (deleted). Reads answer from the object from `written` on.
 */
export const archives = sqliteTable(
  "archives",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    projectId: projectRef(),
    campaignId: text("campaign_id").notNull(),
    // A broadcast run's id, or null for an API campaign's day.
    runId: text("run_id"),
    // The UTC day (YYYY-MM-DD) of an API campaign's messages, or null for a run.
    day: text("day"),
    // The run id, or `<campaignId>:<day>`: one manifest per unit, whatever retries.
    unit: text("unit").notNull(),
    r2Key: text("r2_key").notNull(),
    state: text("state", { enum: ARCHIVE_STATES }).notNull(),
    messages: integer("messages").notNull().default(0),
    bytes: integer("bytes").notNull().default(0),
    firstMessageId: text("first_message_id"),
    lastMessageId: text("last_message_id"),
    // When the object's rows were read: a row changed at or after it stays in D1 (reads prefer it).
    snapshotAt: integer("snapshot_at"),
    // The last history row (message_events.id) committed when the rows were read: the rows are
    // deleted only once the outbox has counted up to it.
    eventsThrough: integer("events_through"),
    // Rows left in D1 because they changed after the snapshot.
    keptLive: integer("kept_live").notNull().default(0),
    // A run kept in its own object: the last message whose wamid route is deleted, so a prune cut
    // short by its slice's deadline goes on from there (src/features/archive/ledger-unit.ts).
    routesThrough: text("routes_through"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    prunedAt: integer("pruned_at"),
  },
  (t) => [
    uniqueIndex("archives_project_unit").on(t.projectId, t.unit),
    index("archives_project_campaign").on(t.projectId, t.campaignId, t.runId),
    index("archives_project_first").on(t.projectId, t.firstMessageId),
  ],
);

/** The archive job of one project: who holds it, and what it did last. One row per project. */
export const archiveJobs = sqliteTable("archive_jobs", {
  projectId: projectRef().primaryKey(),
  // The queue message working on it (its retries keep the lease) and until when.
  leaseHolder: text("lease_holder"),
  leaseUntil: integer("lease_until"),
  // When a job was last queued (by the cron or an operator), and with what cutoff (Unix ms).
  queuedAt: integer("queued_at"),
  before: integer("before"),
  startedAt: integer("started_at"),
  finishedAt: integer("finished_at"),
  // The last failure, for the operator; cleared by the next success.
  error: text("error"),
  updatedAt: updatedAt(),
});
