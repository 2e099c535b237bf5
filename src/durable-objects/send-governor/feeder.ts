import { and, eq, gt, lt, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { campaigns, messages, refOfRun, runs, runUnsettled } from "../../platform/db/schema";
import type { Source } from "./store";

/** A released message that was not sent is looked for again once it has been still this long. */
export const RESCAN_AGE_MS = 60_000;

export type SourceRead =
  /** Message ids to release now; the run may have more. */
  | { kind: "release"; ids: string[] }
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
export async function readSource(db: Db, source: Source, limit: number): Promise<SourceRead> {
  // Both statuses in one statement, each row named by its id (a `run_` and a `cmp_` id never
  // collide): D1 names result columns, so a join would return one `status` for both.
  const [statuses, rows] = await db.batch([
    db
      .select({ id: runs.id, status: sql<string>`${runs.status}` })
      .from(runs)
      .where(eq(runs.id, source.runId))
      .unionAll(
        db
          .select({ id: campaigns.id, status: sql<string>`${campaigns.status}` })
          .from(campaigns)
          .where(eq(campaigns.id, source.campaignId)),
      ),
    queuedPage(db, source, limit),
  ]);
  const statusOf = (id: string) => statuses.find((r) => r.id === id)?.status;
  const status = statusOf(source.runId);
  if (status !== "fanning_out" && status !== "sending") {
    return { kind: "done", why: status === "paused" ? "paused" : "finished" };
  }
  if (statusOf(source.campaignId) === "paused") return { kind: "done", why: "paused" };
  if (rows.length > 0) return { kind: "release", ids: rows.map((r) => r.id) };
  return status === "fanning_out" ? { kind: "waiting" } : { kind: "done", why: "released" };
}
