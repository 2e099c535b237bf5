import { and, eq, gt, lt, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { campaigns, messages, refOfRun, runs, runUnsettled } from "../../platform/db/schema";
import { runLedgerName } from "../../platform/ids";
import type { Source } from "./store";

/**
 * Runs this isolate found to keep their messages in their own objects (a run's never changes), by
 * id, with their and their campaign's statuses as last read.
 */
const objectRuns = new Map<
  string,
  { at: number; statuses: { id: string; status: string; ledger: string | null; ref: string | null }[] }
>();
const STATUS_TTL_MS = 1_000;

/** A released message that was not sent is looked for again once it has been still this long. */
export const RESCAN_AGE_MS = 60_000;

export type SourceRead =
  /** Message ids to release now; the run may have more. */
  | { kind: "release"; ids: string[] }
  /** Claims to release now, of a run whose messages are in its own object (its `ref` names it). */
  | { kind: "permits"; count: number; runRef: string }
  /** Nothing queued right now, but the run is still fanning out: keep it. */
  | { kind: "waiting" }
  /** The run is paused, finished or gone, or everything queued has been released: stop feeding it. */
  | { kind: "done"; why: "paused" | "finished" | "released" };

/** The run's queued message ids after the source's cursor, through the run's open-messages index. */
export const queuedPage = (db: Db, source: Source, limit: number) =>
  db
    .select({ id: messages.id })
    .from(messages)
    .where(
      and(
        sql`${messages.runId} = ${refOfRun(source.runId)}`,
        eq(messages.status, "queued"),
        runUnsettled(),
        gt(messages.id, source.after),
        source.rescanBefore === null ? undefined : lt(messages.updatedAt, source.rescanBefore),
      ),
    )
    .orderBy(messages.id)
    .limit(limit);

/**
 * The next queued messages of one run, after its cursor, in id order: one D1 batch of two reads
 * (the run's and the campaign's status in one, then the page). The run's open-messages index
 * (run_id, id) serves the page from the cursor on, whatever the run's size.
 */
export async function readSource(
  env: Pick<Env, "RUN_LEDGER">,
  db: Db,
  source: Source,
  limit: number,
): Promise<SourceRead> {
  // Both statuses in one statement, each row named by its id (a `run_` and a `cmp_` id never
  // collide): D1 names result columns, so a join would return one `status` for both. The run's
  // row also says where its messages are (its ledger, and its ref naming the object).
  const statusRead = db
    .select({
      id: runs.id,
      status: sql<string>`${runs.status}`,
      ledger: sql<string | null>`${runs.ledger}`,
      ref: runs.ref,
    })
    .from(runs)
    .where(eq(runs.id, source.runId))
    .unionAll(
      db
        .select({
          id: campaigns.id,
          status: sql<string>`${campaigns.status}`,
          ledger: sql<string | null>`NULL`,
          ref: sql<string | null>`NULL`,
        })
        .from(campaigns)
        .where(eq(campaigns.id, source.campaignId)),
    );
  // A run known to keep its messages in its own object reads no page of D1's messages, and its
  // statuses at most once a STATUS_TTL_MS (a pause or cancel stops its claims a little later; the
  // sends consumer checks them again before it claims).
  const known = objectRuns.get(source.runId);
  const now = Date.now();
  const [statuses, rows] =
    known && now - known.at < STATUS_TTL_MS
      ? [known.statuses, []]
      : known
        ? [await statusRead, []]
        : await db.batch([statusRead, queuedPage(db, source, limit)]);
  const row = (id: string) => statuses.find((r) => r.id === id);
  const run = row(source.runId);
  const status = run?.status;
  if (status !== "fanning_out" && status !== "sending") {
    return { kind: "done", why: status === "paused" ? "paused" : "finished" };
  }
  if (row(source.campaignId)?.status === "paused") return { kind: "done", why: "paused" };
  if (run?.ledger === "object") {
    if (objectRuns.size > 10_000) objectRuns.clear();
    if (!known || known.statuses !== statuses) objectRuns.set(source.runId, { at: now, statuses });
    return readLedgerSource(env, run.ref ?? source.runId, status, limit);
  }
  if (rows.length > 0) return { kind: "release", ids: rows.map((r) => r.id) };
  return status === "fanning_out" ? { kind: "waiting" } : { kind: "done", why: "released" };
}

/**
 * A run whose messages are in its own object: the object releases as many claims as it has
 * messages waiting (and not released already). A run with none waiting is kept while it fans out
 * or has messages in flight, which may come back (a retry, a pacing hold).
 */
async function readLedgerSource(
  env: Pick<Env, "RUN_LEDGER">,
  runRef: string,
  status: string,
  limit: number,
): Promise<SourceRead> {
  // By name, not through src/features/run-ledger: the governor sits below the features.
  const { granted, unsettled } = await env.RUN_LEDGER.getByName(runLedgerName(runRef)).permit(limit);
  if (granted > 0) return { kind: "permits", count: granted, runRef };
  return status === "fanning_out" || unsettled > 0 ? { kind: "waiting" } : { kind: "done", why: "finished" };
}
