import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { STALLED_FANOUT_MS, sweepQueries, sweepRuns } from "../../src/features/runs/sweep";
import { insertCampaign } from "../audiences/audiences.helpers";
import { db, newProject } from "../helpers";
import { expectIndexed } from "../query-plan";

const SWEEP_LIMIT = 100;

/** `count` runs of the campaign in `status`, last updated at `updatedAt`, in one statement. */
async function insertRuns(
  projectId: string,
  campaignId: string,
  prefix: string,
  count: number,
  status: string,
  updatedAt: number,
) {
  const ids = Array.from({ length: count }, (_, i) => `run_${prefix}${String(i).padStart(4, "0")}`);
  await env.DB.prepare(
    `INSERT INTO runs (id, project_id, campaign_id, status, audiences, updated_at)
     SELECT value, ?, ?, ?, '["all"]', ? FROM json_each(?)`,
  )
    .bind(projectId, campaignId, status, updatedAt, JSON.stringify(ids))
    .run();
  return ids;
}

/** One queued message in each run: a run still sending, which the sweep cannot complete. */
async function queueOneEach(projectId: string, campaignId: string, runIds: string[]) {
  await env.DB.prepare(
    `INSERT INTO messages (id, project_id, campaign_id, run_id, number, status, updated_at)
     SELECT 'msg_' || value, ?, ?, value, '+919800000000', 'queued', 0 FROM json_each(?)`,
  )
    .bind(projectId, campaignId, JSON.stringify(runIds))
    .run();
}

const statusOf = async (ids: string[]) =>
  (
    await env.DB.prepare(
      "SELECT status, count(*) AS n FROM runs WHERE id IN (SELECT value FROM json_each(?)) GROUP BY status",
    )
      .bind(JSON.stringify(ids))
      .all<{ status: string; n: number }>()
  ).results;

const inStatus = async (status: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM runs WHERE status = ?").bind(status).first<{ n: number }>())?.n ?? 0;

describe("sweepRuns: more than its limit of runs", { timeout: 30_000 }, () => {
  // This file's database is its own: each test starts with no run left for the sweep by another.
  afterEach(async () => {
    await env.DB.prepare("UPDATE runs SET status = 'cancelled' WHERE status IN ('sending', 'fanning_out')").run();
  });

  it("completes finished runs queued behind 150 runs still sending, within a few sweeps", async () => {
    const p = await newProject();
    const campaign = await insertCampaign(p.id);
    // Older runs first: the order the sweep used to take them in, every minute the same.
    const busy = await insertRuns(p.id, campaign, "busy", 150, "sending", 0);
    await queueOneEach(p.id, campaign, busy);
    const done = await insertRuns(p.id, campaign, "done", 60, "sending", 0);

    const sweeps = Math.ceil((await inStatus("sending")) / SWEEP_LIMIT);
    const now = Date.now();
    let completed = 0;
    for (let i = 0; i < sweeps; i++) completed += (await sweepRuns(env, db(), now + i * 60_000)).completed;

    expect(completed).toBe(done.length);
    expect(await statusOf(done)).toEqual([{ status: "completed", n: done.length }]);
    expect(await statusOf(busy)).toEqual([{ status: "sending", n: busy.length }]);
  });

  it("hands each of 250 stalled fan-outs a job within three sweeps, the ones never handed one first", async () => {
    const p = await newProject();
    const now = Date.now();
    // A campaign that is gone: each fan-out job the sweep sends fails its run at once.
    const stalled = await insertRuns(p.id, "cmp_gone", "stalled", 250, "fanning_out", now - STALLED_FANOUT_MS - 1000);
    const sweeps = Math.ceil((await inStatus("fanning_out")) / SWEEP_LIMIT);
    const stampedCount = async () =>
      (
        await env.DB.prepare(
          "SELECT count(*) AS n FROM runs WHERE id IN (SELECT value FROM json_each(?)) AND swept_at IS NOT NULL",
        )
          .bind(JSON.stringify(stalled))
          .first<{ n: number }>()
      )?.n;
    const handedOnce: (number | undefined)[] = [];
    for (let i = 0; i < sweeps; i++) {
      await sweepRuns(env, db(), now + i * 60_000);
      // A run is stamped when the sweep hands it a job: each sweep reaches runs no sweep reached.
      handedOnce.push(await stampedCount());
    }
    expect(handedOnce).toEqual([100, 200, 250]);
  });

  it("writes no stamp when a step takes every run it has", async () => {
    const p = await newProject();
    const campaign = await insertCampaign(p.id);
    const busy = await insertRuns(p.id, campaign, "few", 3, "sending", 0);
    await queueOneEach(p.id, campaign, busy);
    expect(await inStatus("sending")).toBeLessThan(SWEEP_LIMIT);
    await sweepRuns(env, db(), Date.now());
    const { results } = await env.DB.prepare("SELECT swept_at FROM runs WHERE id IN (SELECT value FROM json_each(?))")
      .bind(JSON.stringify(busy))
      .all();
    expect(results).toEqual([{ swept_at: null }, { swept_at: null }, { swept_at: null }]);
  });

  it("reads runs through an index in every step, never a scan of the table", async () => {
    const [overdue, reviewed, stalled, sending] = sweepQueries(db(), Date.now());
    // Only the overdue runs (not those scheduled later) are read, then sorted by swept_at.
    await expectIndexed(overdue, "runs", "runs_status_time");
    await expectIndexed(reviewed, "runs", "runs_status_swept");
    await expectIndexed(stalled, "runs", "runs_status_swept");
    // Read in swept_at order straight from the index: no sort, and it stops at the limit.
    const plan = await expectIndexed(sending, "runs", "runs_status_swept");
    expect(plan.join("\n")).not.toContain("TEMP B-TREE");
  });
});
