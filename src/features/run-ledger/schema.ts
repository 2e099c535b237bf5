import type { MessageStatus } from "../../platform/db/schema";
import type { Columns } from "../ledger-rules/status-plan";

// A broadcast run's messages in the run's own Durable Object (docs/scaling.md, "Past one
// database"): one SQLite database per run, run one call at a time, so its layout needs none of
// what a table shared by every run and every concurrent consumer does.
// - A message is keyed by its slot (INTEGER PRIMARY KEY: the row is its own key, no index beside
//   it): its contact's row number in D1, so a person in two of the run's audiences, or a fan-out
//   page recorded twice, is still one message.
// - A claim moves a cursor, not the rows: the sender takes the next unsettled messages in key order
//   and one `claims` row says every key up to its own was handed out at its time. A message at or
//   below the cursor with no outcome is `sending` and is never handed out again (at most once); one
//   given back unsent is listed in `returned` until it is claimed again.
// - Its counters move in the transaction that moves its rows, and the call's moves wait on the same
//   row for the campaign's statistics and the customer's callbacks (./hand-over.ts): a call writes
//   one row beside its messages. Only when the hand-over falls behind do moves spill into `log`.
// - An API campaign's day (meta.api_day, ./day.ts) is kept the same way, but its messages arrive in
//   whatever order the queue delivers them, already claimed: such a row carries its claim time
//   (claimed_at) from the start, the cursor never moves, and the sweep walks a watermark instead.

export const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS meta (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    project_id TEXT NOT NULL, campaign_id TEXT NOT NULL, run_id TEXT NOT NULL, run_ref TEXT NOT NULL,
    api_day INTEGER, next_slot INTEGER NOT NULL DEFAULT 1
  )`,
  // status: NULL while unsettled (queued, or sending once claimed: `stateSql`), else the settled
  // or later status. attempts: provider calls before the current claim. claimed_at: a claim from
  // `returned` writes it, and an API day's record; a run's first claim's time is its `claims` row's.
  // template: an API day's message names its template by its ref (an API campaign's may change);
  // NULL on a run's, whose campaign names it.
  // What many messages' payloads share (template, header, buttons), once per distinct content:
  // `key` is the hash the D1 ledger names the same base by (src/features/messages/payload.ts).
  "CREATE TABLE IF NOT EXISTS bases (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, body TEXT NOT NULL)",
  `CREATE TABLE IF NOT EXISTS messages (
    slot INTEGER PRIMARY KEY,
    number TEXT NOT NULL,
    status TEXT,
    payload TEXT,
    base INTEGER,
    skip_reason TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    wamid TEXT,
    error_code INTEGER, error_title TEXT, error_message TEXT, error_class TEXT,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, claimed_at INTEGER,
    sent_at INTEGER, delivered_at INTEGER, read_at INTEGER, failed_at INTEGER,
    billing TEXT, accepted_as TEXT, template TEXT
  )`,
  "CREATE TABLE IF NOT EXISTS claims (through INTEGER PRIMARY KEY, at INTEGER NOT NULL)",
  // at: when it was given back (NULL on objects older than the column).
  "CREATE TABLE IF NOT EXISTS returned (slot INTEGER PRIMARY KEY, at INTEGER)",
  // Messages claimed again after they were given back, with the time: the sweep's list of what is
  // sending below the slots it has passed (./sweep.ts). Entries of settled messages are dropped there.
  "CREATE TABLE IF NOT EXISTS reclaimed (slot INTEGER PRIMARY KEY, at INTEGER NOT NULL)",
  // recorded_*: what the fan-out recorded, as the run's row in D1 reports it. swept_through: the
  // sweep found every first claim up to this slot settled or failed (./sweep.ts).
  // waiting: unsettled messages not handed out (above the cursor, or given back); permitted: claims
  // the number's governor has released and no claim has used yet, as of permitted_at.
  // next_log: the id the next call's moves take. pending: those moves not handed over yet, as JSON
  // [[id, at, moves], …], up to `PENDING_CALLS` calls (./store.ts); last in the row, so reading the
  // counters does not load it.
  `CREATE TABLE IF NOT EXISTS counts (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    queued INTEGER NOT NULL DEFAULT 0, sent INTEGER NOT NULL DEFAULT 0, delivered INTEGER NOT NULL DEFAULT 0,
    read INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0, skipped INTEGER NOT NULL DEFAULT 0,
    waiting INTEGER NOT NULL DEFAULT 0, permitted INTEGER NOT NULL DEFAULT 0, permitted_at INTEGER NOT NULL DEFAULT 0,
    recorded_queued INTEGER NOT NULL DEFAULT 0, recorded_skipped INTEGER NOT NULL DEFAULT 0,
    swept_through INTEGER NOT NULL DEFAULT 0,
    next_log INTEGER NOT NULL DEFAULT 1, pending TEXT NOT NULL DEFAULT '[]'
  )`,
  "INSERT INTO counts (id) VALUES (1) ON CONFLICT DO NOTHING",
  // A call's moves (`LedgerMove`s) when `counts.pending` is full: the hand-over is behind. Ids come
  // from `counts.next_log`, so they are never reused once handed over and deleted (the campaign's
  // statistics skip ids up to the last they counted). Objects made before kept this table with
  // AUTOINCREMENT, which cost a `sqlite_sequence` row a call; their `next_log` starts after it.
  "CREATE TABLE IF NOT EXISTS log (id INTEGER PRIMARY KEY, moves TEXT NOT NULL, at INTEGER NOT NULL)",
];

/**
 * Columns added after objects were first made, [table, column, type, fill]: an older object gains
 * them, and runs `fill` once if given.
 */
export const ADDED_COLUMNS: [string, string, string, string?][] = [
  ["messages", "accepted_as", "TEXT"],
  ["messages", "template", "TEXT"],
  ["meta", "api_day", "INTEGER"],
  ["meta", "next_slot", "INTEGER NOT NULL DEFAULT 1"],
  ["returned", "at", "INTEGER"],
  // An older object's log is AUTOINCREMENT, so `sqlite_sequence` exists and holds its last id.
  [
    "counts",
    "next_log",
    "INTEGER NOT NULL DEFAULT 1",
    "UPDATE counts SET next_log = 1 + max((SELECT coalesce(max(id), 0) FROM log), coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'log'), 0))",
  ],
  ["counts", "pending", "TEXT NOT NULL DEFAULT '[]'"],
];

/** The run the object holds, written by its first page (or an API day's first block of slots). */
export interface LedgerMeta {
  projectId: string;
  campaignId: string;
  runId: string;
  runRef: string;
  /** The API campaign's day (days since the epoch) when the object keeps one; absent for a run. */
  apiDay?: number | null;
}

/** A message row as the object stores it. */
export interface StoredRow {
  slot: number;
  number: string;
  status: Exclude<MessageStatus, "queued" | "sending"> | null;
  payload: string | null;
  base: number | null;
  skip_reason: string | null;
  attempts: number;
  wamid: string | null;
  error_code: number | null;
  error_title: string | null;
  error_message: string | null;
  error_class: Columns["errorClass"];
  created_at: number;
  updated_at: number;
  claimed_at: number | null;
  sent_at: number | null;
  delivered_at: number | null;
  read_at: number | null;
  failed_at: number | null;
  billing: string | null;
  /** Meta's `message_status` on accepting it, when not plainly `accepted`. */
  accepted_as: string | null;
  /** An API day's message: its template's ref. */
  template: string | null;
}

/** A message row with its state: what the row says, or what the cursor and `returned` make of it. */
export type LedgerRow = StoredRow & { state: MessageStatus; claimed: number | null };

/**
 * The message's state and claim time as SQL (alias `m`, and `cursor`: SQL of the claims' cursor):
 * an unsettled row is sending at or below the cursor, or with a claim time of its own, unless given
 * back; queued otherwise. Without
 * `withClaim` the claim time is NULL: writers need the state alone, and the claim's lookup is a
 * row read per message (a settled message's state costs none: CASE stops at its status).
 */
export const stateSql = (cursor: string, withClaim = true) =>
  `CASE WHEN m.status IS NOT NULL THEN m.status
        WHEN (m.slot <= ${cursor} OR m.claimed_at IS NOT NULL) AND NOT EXISTS (SELECT 1 FROM returned r WHERE r.slot = m.slot) THEN 'sending'
        ELSE 'queued' END AS state,
   ${withClaim ? "coalesce(m.claimed_at, (SELECT c.at FROM claims c WHERE c.through >= m.slot ORDER BY c.through LIMIT 1))" : "NULL"} AS claimed`;

/**
 * One move of the log: [slot, from (null: just recorded), to], and for a failure Meta's error
 * code, title and message (what the customer's callback carries).
 */
export type LedgerMove =
  | [number, MessageStatus | null, MessageStatus]
  | [number, MessageStatus | null, "failed", number | null, string, string];

/** The counters the object keeps, exact: `queued` counts sending too, as every counter does. */
export type LedgerCounts = Record<"queued" | "sent" | "delivered" | "read" | "failed" | "skipped", number>;
