import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import Chat from "../../src/client/index";
import { HOUR, MINUTE } from "../../src/durable-objects/campaign-stats";
import { campaignStats } from "../../src/features/stats/record";
import { insertCampaignRow } from "../api-campaigns/api-campaigns.helpers";
import { finishedRun } from "../archive/archive.helpers";
import { BASE, worker } from "../client/client.helpers";
import { call, expectError, MISSING_KEY, newProject } from "../helpers";
import { eventually } from "../messages/messages.helpers";

// GET /v1/runs/{runId}/timeline and /v1/campaigns/{campaignId}/timeline: the series for charts.

type Point = { at: string; sent: number; delivered: number; read: number; failed: number };

const get = (path: string, key?: string) => call("GET", path, { key });
const iso = (time: number) => new Date(time).toISOString();
const point = (at: number, values: Partial<Point> = {}): Point => ({
  at: iso(at),
  sent: 0,
  delivered: 0,
  read: 0,
  failed: 0,
  ...values,
});
const query = (params: Record<string, string | number>) =>
  `?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, typeof v === "number" ? iso(v) : v]))}`;

function total(points: Point[]) {
  const sum = { sent: 0, delivered: 0, read: 0, failed: 0 };
  for (const p of points) for (const name of ["sent", "delivered", "read", "failed"] as const) sum[name] += p[name];
  return sum;
}

// One sandbox run for the whole file (it takes seconds): five recipients, two failed, one delivered, two read.
let shared: ReturnType<typeof finishedRun> | undefined;
const run = () => {
  shared ??= finishedRun();
  return shared;
};

describe("a sandbox run's timeline", { timeout: 60_000 }, () => {
  it("sums to the counters, for the run and its campaign alike, in minutes while it moved lately", async () => {
    const { p, campaignId, runId } = await run();
    const stats = await eventually(
      () => get(`/v1/campaigns/${campaignId}/stats`, p.sender),
      (r) => r.body.total.read === 2 && r.body.total.deliveryErrors + r.body.total.notOnWhatsApp === 2,
    );
    const c = stats.body.total;
    const to = Date.now();
    const ofRun = await get(`/v1/runs/${runId}/timeline${query({ to })}`, p.sender);
    expect(ofRun.status, JSON.stringify(ofRun.body)).toBe(200);
    expect(ofRun.body.resolution).toBe("minute");
    expect(total(ofRun.body.points)).toEqual({
      sent: c.sent,
      delivered: c.delivered,
      read: c.read,
      failed: c.sendErrors + c.deliveryErrors + c.notOnWhatsApp + c.marketingLimited + c.marketingExperiment,
    });
    expect(total(ofRun.body.points)).toEqual({ sent: 5, delivered: 3, read: 2, failed: 2 });
    // Contiguous minutes, oldest first, ending at `to`.
    const times = ofRun.body.points.map((x: Point) => Date.parse(x.at));
    expect(times.at(-1)).toBe(to - (to % MINUTE));
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBe(MINUTE);
    // The campaign has this one run: the same body, for a manager's key too.
    expect((await get(`/v1/campaigns/${campaignId}/timeline${query({ to })}`, p.manager)).body).toEqual(ofRun.body);
  });

  it("answers exact zero-filled points of a range, in minutes or hours; hours for what is older than 48 hours", async () => {
    const { p, campaignId, runId } = await run();
    const hour = Math.floor(Date.now() / HOUR) * HOUR - 10 * HOUR;
    const old = hour - 3 * 24 * HOUR;
    await campaignStats(env, campaignId).addMany([
      { runId, deltas: { sent: 3, delivered: 2 }, at: hour + 10 * MINUTE + 5 },
      { runId, deltas: { read: 1, deliveryErrors: 1, queued: 4 }, at: hour + 12 * MINUTE },
      { runId, deltas: { sent: 1 }, at: hour + 70 * MINUTE },
      { runId, deltas: { sent: 6, notOnWhatsApp: 2 }, at: old + 30 * MINUTE },
    ]);
    const minutes = query({ resolution: "minute", from: hour + 10 * MINUTE, to: hour + 12 * MINUTE + 30_000 });
    const expected = {
      resolution: "minute",
      points: [
        point(hour + 10 * MINUTE, { sent: 3, delivered: 2 }),
        point(hour + 11 * MINUTE),
        point(hour + 12 * MINUTE, { read: 1, failed: 1 }),
      ],
    };
    expect((await get(`/v1/runs/${runId}/timeline${minutes}`, p.sender)).body).toEqual(expected);
    expect((await get(`/v1/campaigns/${campaignId}/timeline${minutes}`, p.sender)).body).toEqual(expected);
    // The JS client sends `Date`s as ISO strings.
    const chat = new Chat(p.sender, { baseUrl: BASE, fetch: worker });
    const window = { from: new Date(hour + 10 * MINUTE), to: new Date(hour + 12 * MINUTE) };
    expect(await chat.retrieveRunTimeline(runId, { resolution: "minute", ...window })).toEqual(expected);
    expect(await chat.retrieveCampaignTimeline(campaignId, { resolution: "minute", ...window })).toEqual(expected);

    const hours = query({ resolution: "hour", from: hour + 59 * MINUTE, to: hour + HOUR });
    expect((await get(`/v1/runs/${runId}/timeline${hours}`, p.sender)).body).toEqual({
      resolution: "hour",
      points: [point(hour, { sent: 3, delivered: 2, read: 1, failed: 1 }), point(hour + HOUR, { sent: 1 })],
    });
    // Minutes are not kept that far back: `auto` answers hours, from that hour on.
    const older = query({ from: old, to: old + 2 * HOUR });
    expect((await get(`/v1/runs/${runId}/timeline${older}`, p.sender)).body).toEqual({
      resolution: "hour",
      points: [point(old, { sent: 6, failed: 2 }), point(old + HOUR), point(old + 2 * HOUR)],
    });
    expectError(
      await get(`/v1/runs/${runId}/timeline${query({ resolution: "minute", from: old })}`, p.sender),
      400,
      "validation_failed",
      ["from"],
    );
  });

  it("answers 400 naming the field for a bad resolution, time, order or span", async () => {
    const { p, runId } = await run();
    const path = `/v1/runs/${runId}/timeline`;
    const now = Date.now();
    const bad = async (params: Record<string, string | number>, field: string) =>
      expectError(await get(`${path}${query(params)}`, p.sender), 400, "validation_failed", [field]);
    await bad({ resolution: "second" }, "resolution");
    await bad({ from: "yesterday" }, "from");
    await bad({ to: "2026-02-30T00:00:00Z" }, "to");
    await bad({ from: now, to: now - HOUR }, "from");
    await bad({ resolution: "minute", from: now - 30 * HOUR, to: now }, "from");
    await bad({ resolution: "hour", from: now - 70 * 24 * HOUR, to: now }, "from");
    expectError(await get(`/v1/runs/${"r".repeat(65)}/timeline`, p.sender), 400, "validation_failed", ["runId"]);
    expectError(await get(`/v1/campaigns/${"c".repeat(65)}/timeline`, p.sender), 400, "validation_failed", [
      "campaignId",
    ]);
  });

  it("answers 404 for another project's run or campaign and a missing one, 401 without a key", async () => {
    const { campaignId, runId } = await run();
    const other = await newProject("timeline other");
    expectError(await get(`/v1/runs/${runId}/timeline`, other.manager), 404, "not_found");
    expectError(await get(`/v1/campaigns/${campaignId}/timeline`, other.sender), 404, "not_found");
    expectError(await get("/v1/runs/run_missing/timeline", other.manager), 404, "not_found");
    expectError(await get("/v1/campaigns/cmp_missing/timeline", other.manager), 404, "not_found");
    for (const path of [`/v1/runs/${runId}/timeline`, `/v1/campaigns/${campaignId}/timeline`]) {
      const response = await get(path);
      expect(response.status).toBe(401);
      expect(response.body).toEqual(MISSING_KEY);
    }
  });
});

describe("a campaign with nothing recorded", () => {
  it("answers hours and no points", async () => {
    const p = await newProject("timeline empty");
    const id = `cmp_timeline_${crypto.randomUUID().replaceAll("-", "")}`;
    await insertCampaignRow({ id, projectId: p.id, kind: "api", name: id, templateId: null });
    expect((await get(`/v1/campaigns/${id}/timeline`, p.sender)).body).toEqual({ resolution: "hour", points: [] });
  });
});
