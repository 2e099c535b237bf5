import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  ENDED_RUN_WATCH_MS,
  STUCK_QUEUED_MS,
  STUCK_SENDING_MS,
  sweepStuckMessages,
} from "../../src/features/delivery/sweep";
import { measureD1 } from "../d1-cost";
import { newProject } from "../helpers";
import { eventually } from "../messages/messages.helpers";
import { queueRows } from "./queue-rows";

// A run's messages are not in the in-flight index (it would cost each broadcast message two index
// entries): the sweep finds them through the runs it watches, those under way and those that
// ended within a day. These are the cases the index used to catch.

const statuses = async (runId: string) =>
  (
    await env.DB.prepare(
      "SELECT status, count(*) AS n FROM messages WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?) GROUP BY status ORDER BY status",
    )
      .bind(runId)
      .all<{ status: string; n: number }>()
  ).results;

async function aRun(status: string, finishedAgoMs: number | null, recipients = 4) {
  const p = await newProject();
  const rows = await queueRows(p.id, recipients, { broadcast: true });
  const runId = rows.runId as string;
  await env.DB.prepare("UPDATE runs SET status = ?, finished_at = ? WHERE id = ?")
    .bind(status, finishedAgoMs === null ? null : Date.now() - finishedAgoMs, runId)
    .run();
  return { projectId: p.id, runId, ids: rows.jobs.map((j) => j.messageId) };
}

const age = (ids: string[], status: string, ageMs: number) =>
  env.DB.prepare("UPDATE messages SET status = ?, updated_at = ? WHERE id IN (SELECT value FROM json_each(?))")
    .bind(status, Date.now() - ageMs, JSON.stringify(ids))
    .run();

describe("sweep: a run's stuck messages", { timeout: 30_000 }, () => {
  it("fails a run's message stuck in sending, under way or cancelled within the day", async () => {
    const paused = await aRun("paused", null);
    const cancelled = await aRun("cancelled", 60_000);
    await age(paused.ids.slice(0, 2), "sending", STUCK_SENDING_MS + 1000);
    await age(cancelled.ids.slice(0, 1), "sending", STUCK_SENDING_MS + 1000);
    // One claimed a minute ago is still on its way: left alone.
    await age(paused.ids.slice(2, 3), "sending", 60_000);

    const swept = await sweepStuckMessages(env);
    expect(swept.failed).toBeGreaterThanOrEqual(3);
    expect(await statuses(paused.runId)).toEqual([
      { status: "failed", n: 2 },
      { status: "queued", n: 1 },
      { status: "sending", n: 1 },
    ]);
    const failed = await env.DB.prepare("SELECT error_class, error_title FROM messages WHERE id = ?")
      .bind(cancelled.ids[0])
      .first();
    expect(failed).toEqual({ error_class: "unknown", error_title: "Send outcome unknown" });
  });

  it("looks at the front of a big run's unsettled messages, where a run's stuck ones are", async () => {
    // Sent in id order: the oldest unsettled messages are the ones still sending, then the queued.
    const run = await aRun("sending", null, 1_300);
    run.ids.sort();
    await age(run.ids.slice(0, 3), "sending", STUCK_SENDING_MS + 1000);
    // One claimed long ago behind more than SENDING_FRONT older messages still queued (put back by
    // an account pause): out of the read until they go.
    const hidden = run.ids[1_200] as string;
    await age([hidden], "sending", STUCK_SENDING_MS + 1000);
    const { cost } = await measureD1(env.DB, () => sweepStuckMessages(env));
    expect(await statuses(run.runId)).toEqual([
      { status: "failed", n: 3 },
      { status: "queued", n: 1_296 },
      { status: "sending", n: 1 },
    ]);
    // The read stops at the front: nowhere near the run's 1,300 rows twice over.
    expect(cost.rowsRead).toBeLessThan(3_500);
    // Once the older ones are sent, it is found.
    await env.DB.prepare(
      "UPDATE messages SET status = 'sent', sent_at = ? WHERE id IN (SELECT value FROM json_each(?))",
    )
      .bind(Date.now(), JSON.stringify(run.ids.slice(3, 1_200)))
      .run();
    await sweepStuckMessages(env);
    expect(await statuses(run.runId)).toContainEqual({ status: "failed", n: 4 });
  });

  it("leaves a run that ended more than a day ago out of the read", async () => {
    const old = await aRun("cancelled", ENDED_RUN_WATCH_MS + 60_000);
    await age(old.ids.slice(0, 1), "sending", STUCK_SENDING_MS + 1000);
    await sweepStuckMessages(env);
    expect(await statuses(old.runId)).toContainEqual({ status: "sending", n: 1 });
  });

  it("gives a cancelled run whose queued messages stood still its cancel job again, which skips them", async () => {
    const run = await aRun("cancelled", 60_000, 6);
    await age(run.ids, "queued", STUCK_QUEUED_MS + 1000);
    const swept = await sweepStuckMessages(env);
    expect(swept).toMatchObject({ requeued: 0, fedRuns: 0, cancelledRuns: 1 });
    await eventually(
      () => statuses(run.runId),
      (rows) => rows.length === 1 && rows[0]?.status === "skipped",
    );
    expect(await statuses(run.runId)).toEqual([{ status: "skipped", n: 6 }]);
    const reasons = await env.DB.prepare(
      "SELECT DISTINCT skip_reason FROM messages WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?)",
    )
      .bind(run.runId)
      .all();
    expect(reasons.results).toEqual([{ skip_reason: "cancelled" }]);
  });

  it("does not look at a run whose first queued message is recent", async () => {
    const run = await aRun("sending", null);
    const swept = await sweepStuckMessages(env);
    expect(swept).toMatchObject({ fedRuns: 0, cancelledRuns: 0 });
    expect(await statuses(run.runId)).toEqual([{ status: "queued", n: 4 }]);
  });
});
