import { type SQL, sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, updatedAt } from "./columns";
import { projectRef } from "./projects";

export const RUN_STATUSES = [
  "scheduled",
  "waiting_template",
  "fanning_out",
  "sending",
  "paused",
  "completed",
  "cancelled",
  "failed",
] as const;

/** One sending of a broadcast campaign to its audiences. Running a campaign again is a new run. */
export const runs = sqliteTable(
  "runs",
  {
    id: text("id").primaryKey(),
    // What the run's messages carry in their `run_id` instead of its 28-character id: the decimal
    // text of a number no other run has (its row's number when it was created), 3 to 7 bytes on
    // each message row and in each of its run indexes. NULL on runs created before it existed,
    // whose messages carry the id: read it through `runRefSql()` / `runRef()`, never raw.
    ref: text("ref"),
    // "object": the run's messages are in its own Durable Object (src/features/run-ledger), fixed
    // when the run is created; NULL: in D1's messages table.
    ledger: text("ledger", { enum: ["object"] }),
    // An API campaign's day (days since the epoch, UTC) when this row is not a broadcast run but the
    // day's ledger of an API campaign's sends (src/features/api-days): its messages are in the
    // row's object like a run's, and it is `fanning_out` while the day takes sends. NULL: a
    // broadcast run. Such rows are never listed, fanned out or retried as runs.
    apiDay: integer("api_day"),
    projectId: projectRef(),
    campaignId: text("campaign_id").notNull(),
    status: text("status", { enum: RUN_STATUSES }).notNull(),
    // Why the run is in its status when that needs saying (waiting for approval, rejected template…).
    statusReason: text("status_reason"),
    // The audience references as the client gave them (ids, names or "all"), JSON string[].
    audiences: text("audiences", { mode: "json" }).notNull(),
    // Unix ms at which a scheduled run starts.
    timeToRun: integer("time_to_run"),
    // A retry run re-sends the retryable failures of this run.
    retryOf: text("retry_of"),
    // A retry run's kind: NULL re-sends retryable failures; "marketing_limited" the recipients Meta
    // held for their marketing limit (131049), a day later (src/features/runs/marketing-retry.ts).
    retryKind: text("retry_kind", { enum: ["marketing_limited"] }),
    // 1 while a run that opted in still owes its 131049 recipients that retry; 0 once it started.
    retryMarketingLimited: integer("retry_marketing_limited").notNull().default(0),
    // What the run does when its recipients do not fit in the messaging limit's window
    // (src/features/messaging-limit): wait, refuse or send; checked each time it is about to start.
    limitPolicy: text("limit_policy", { enum: ["wait", "refuse", "send"] })
      .notNull()
      .default("wait"),
    // Fan-out progress: which audience (index) and the last contact id done in it. JSON.
    cursor: text("cursor", { mode: "json" }),
    // Recipients recorded by the fan-out: queued for sending, and skipped with a reason.
    queued: integer("queued").notNull().default(0),
    skipped: integer("skipped").notNull().default(0),
    createdAt: createdAt(),
    startedAt: integer("started_at"),
    fannedOutAt: integer("fanned_out_at"),
    finishedAt: integer("finished_at"),
    updatedAt: updatedAt(),
    // When the minute sweep last looked at the run (src/features/runs/sweep.ts): it takes the runs
    // it looked at longest ago first, so runs past its per-sweep limit get their turn.
    sweptAt: integer("swept_at"),
  },
  (t) => [
    // A run by what its messages carry (a message's public run id, a claim's run); unique, so two
    // runs can never share their messages.
    uniqueIndex("runs_ref").on(sql`coalesce(${t.ref}, ${t.id})`),
    // One ledger per API campaign and day, whatever requests race to open it.
    uniqueIndex("runs_api_day").on(t.campaignId, t.apiDay).where(sql`api_day IS NOT NULL`),
    index("runs_project_campaign").on(t.projectId, t.campaignId, t.createdAt),
    index("runs_status_time").on(t.status, t.timeToRun),
    index("runs_status_swept").on(t.status, t.sweptAt),
    // Runs by status and end: the sweep watches the runs cancelled or failed in the last day
    // (src/features/delivery/sweep.ts), a range however many ended before.
    index("runs_ended").on(t.status, t.finishedAt),
    // The sweep's read of completed runs that still owe a marketing-limit retry, oldest first.
    index("runs_marketing_retry_due").on(t.finishedAt).where(sql`retry_marketing_limited = 1 AND status = 'completed'`),
    // One marketing-limit retry per run, whatever sweeps overlap.
    uniqueIndex("runs_marketing_retry_of").on(t.retryOf).where(sql`retry_kind = 'marketing_limited'`),
  ],
);

/** What a run's messages carry in their `run_id`, as SQL text (`table`: the name or alias the query gives runs). */
export const runRefSql = (table = "runs") => `coalesce(${table}.ref, ${table}.id)`;

/** A broadcast run's row, not an API campaign's day kept as one (`api_day`). */
export const isBroadcastRun = () => sql`${runs.apiDay} IS NULL`;

/** What a run's messages carry in their `run_id`, from the run's row. */
export const runRef = (run: { id: string; ref: string | null }) => run.ref ?? run.id;

/**
 * What the messages of the run with public id `runId` carry in their `run_id`, as a scalar
 * subquery (one lookup by the run's key): `m.run_id = ${refOfRun(id)}` still searches the
 * messages' run indexes. NULL for an unknown run, which matches no message.
 */
export const refOfRun = (runId: SQL | string) => sql`(SELECT coalesce(ref, id) FROM runs WHERE id = ${runId})`;

/**
 * `runs <runs>` is the run a message's `run_id` names (`runId`: SQL text of that value, e.g.
 * "m.run_id"), through `runs_ref`. The `+` strips the column's text affinity, without which SQLite
 * would not use an index on an expression.
 */
export const runNamedSql = (runs: string, runId: string) => `${runRefSql(runs)} = +${runId}`;

/**
 * The public run id a message's `run_id` stands for, as SQL text (`runId`: SQL text of that value,
 * e.g. "m.run_id"): the value itself when it is an id (a run created before `runs.ref`), else its
 * run's, looked up.
 */
export const publicRunIdSql = (runId: string) =>
  `CASE WHEN ${runId} IS NULL OR ${runId} GLOB 'run_*' THEN ${runId} ELSE (SELECT rr.id FROM runs rr WHERE ${runNamedSql("rr", runId)}) END`;

/** `publicRunIdSql()` of a message (`table`: the name or alias the query gives messages). */
export const runIdOfSql = (table = "messages") => publicRunIdSql(`${table}.run_id`);

/** `runIdOfSql()` for drizzle's selects and RETURNING clauses on `messages`. */
export const runIdOf = () => sql<string | null>`${sql.raw(runIdOfSql())}`;
