import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  type CampaignStats,
  type Counts,
  HOUR,
  type LiveMessage,
  MINUTE,
  type SeriesPoint,
  type StatsEntry,
  type StatsSnapshot,
  type StoredSeries,
} from "../../src/durable-objects/campaign-stats";
import { applyStatus } from "../../src/features/messages/status";
import { outbox } from "../../src/features/outbox";
import { API_RUN_ID, campaignStats } from "../../src/features/stats/record";
import { seriesFromLedger } from "../../src/features/stats/recount";
import { insertCampaignRow } from "../api-campaigns/api-campaigns.helpers";
import { call, db, newProject } from "../helpers";
import { insertQueuedMessage, templateMessage } from "../messages/messages.helpers";
import { queryPlan } from "../query-plan";
import { openLive } from "./live.helpers";

// The time series a campaign's CampaignStats object keeps beside its counters: per run and minute
// (hours after 48 hours), from the same deltas in the same transaction, so it always sums to them.

const newCampaignId = () => `cmp_series_${crypto.randomUUID().replaceAll("-", "")}`;
const minuteOf = (time: number) => time - (time % MINUTE);
const point = (at: number, values: Partial<SeriesPoint> = {}) => ({
  at,
  sent: 0,
  delivered: 0,
  read: 0,
  failed: 0,
  ...values,
});
const ALL = [0, Number.MAX_SAFE_INTEGER] as const;

/** The series of one run (or all) summed, next to what the counters say it must sum to. */
function sums(stored: StoredSeries, snapshot: StatsSnapshot, runId?: string) {
  const series = point(0);
  for (const row of [...stored.minutes, ...stored.hours]) {
    for (const name of ["sent", "delivered", "read", "failed"] as const) series[name] += row[name];
  }
  const c = runId === undefined ? snapshot.total : (snapshot.runs[runId] ?? snapshot.total);
  const counters = {
    at: 0,
    sent: c.sent,
    delivered: c.delivered,
    read: c.read,
    failed: c.sendErrors + c.deliveryErrors + c.notOnWhatsApp + c.marketingLimited + c.marketingExperiment,
  };
  return { series, counters };
}

/** `n` queued messages of a campaign, recorded as the senders do (log rows included), not yet drained. */
async function queued(n: number, campaignId: string) {
  const p = await newProject();
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const number = `+91981000${String(i).padStart(4, "0")}`;
    const payload = templateMessage(number);
    ids.push(await insertQueuedMessage(db(), { projectId: p.id, number, templateId: null, campaignId, payload }));
  }
  return { projectId: p.id, ids };
}

/** Sets the time of the newest log row that moved `messageId` to `to` (null: a row from before the column). */
const stampLog = (messageId: string, to: string, at: number | null) =>
  env.DB.prepare(
    "UPDATE ledger_log SET at = ? WHERE id = (SELECT max(id) FROM ledger_log WHERE entries LIKE ? AND entries LIKE ?)",
  )
    .bind(at, `%"${messageId}"%`, `%"${to}"%`)
    .run();

describe("the series from the ledger", () => {
  it("counts each move in the minute of its log row; a row without a time in the minute it is handed over", async () => {
    const campaignId = newCampaignId();
    const { projectId, ids } = await queued(3, campaignId);
    const [a, b, c] = ids as [string, string, string];
    const base = minuteOf(Date.now()) - 30 * MINUTE;
    await applyStatus(db(), { projectId, messageId: a }, { status: "delivered", at: Date.now() });
    await stampLog(a, "delivered", base + 5_000);
    await applyStatus(db(), { projectId, messageId: b }, { status: "sent", at: Date.now() });
    await stampLog(b, "sent", base + 7 * MINUTE + 59_999);
    const error = { code: 131026, title: "not on WhatsApp", message: "" };
    await applyStatus(db(), { projectId, messageId: c }, { status: "failed", at: Date.now(), error });
    await stampLog(c, "failed", null);
    const handedOver = minuteOf(Date.now());
    await outbox(env).drain();

    const stats = campaignStats(env, campaignId);
    const stored = await stats.series(null, ...ALL);
    expect(stored.hours).toEqual([]);
    expect(stored.minutes.slice(0, 2)).toEqual([
      point(base, { sent: 1, delivered: 1 }),
      point(base + 7 * MINUTE, { sent: 1 }),
    ]);
    // The failure (no time on its row) lands in the minute the object received it.
    expect(stored.minutes.slice(2)).toEqual([point(expect.any(Number), { failed: 1 })]);
    expect(stored.minutes[2]?.at).toBeGreaterThanOrEqual(handedOver);
    const { series, counters } = sums(stored, await stats.read());
    expect(series).toEqual(counters);
    expect(await stats.series(API_RUN_ID, ...ALL)).toEqual(stored);
  });
});

describe("hour folding", () => {
  it("keeps minutes for 48 hours, hours before; moves that arrive late go straight into their hour", async () => {
    const stub = campaignStats(env, newCampaignId());
    const hour = Math.floor(Date.now() / HOUR) * HOUR;
    const old = hour - 72 * HOUR;
    await stub.addMany([
      { runId: "run_a", deltas: { sent: 2, delivered: 1 }, at: old + 5 * MINUTE },
      { runId: "run_a", deltas: { read: 1, sendErrors: 1 }, at: old + 50 * MINUTE },
      { runId: "run_b", deltas: { sent: 1, marketingLimited: 1 }, at: old + 3 * HOUR },
      { runId: "run_a", deltas: { sent: 4, queued: 9 }, at: hour - HOUR },
    ]);
    expect(await stub.series("run_a", ...ALL)).toEqual({
      minutes: [point(hour - HOUR, { sent: 4 })],
      hours: [point(old, { sent: 2, delivered: 1, read: 1, failed: 1 })],
      minutesSince: expect.any(Number),
    });
    const all = await stub.series(null, ...ALL);
    expect(all.hours).toEqual([
      point(old, { sent: 2, delivered: 1, read: 1, failed: 1 }),
      point(old + 3 * HOUR, { sent: 1, failed: 1 }),
    ]);
    expect(all.minutesSince).toBe(hour - 48 * HOUR);
    expect(sums(all, await stub.read()).series).toEqual(sums(all, await stub.read()).counters);
  });

  it("folds minute rows that grew older than 48 hours into their hour, keeping the sums", async () => {
    const stub = env.CAMPAIGN_STATS.getByName(newCampaignId());
    const hour = Math.floor(Date.now() / HOUR) * HOUR;
    const old = hour - 60 * HOUR;
    // Minute rows written while they were recent: the object folds them at its next call.
    await runInDurableObject(stub, (_instance: CampaignStats, state) => {
      for (const [minute, sent] of [
        [old + MINUTE, 3],
        [old + 59 * MINUTE, 2],
        [old + HOUR, 1],
      ] as const) {
        state.storage.sql.exec(
          "INSERT INTO series_minutes (run_id, at, sent, delivered, read, failed) VALUES ('run_a', ?, ?, 0, 0, 0)",
          minute,
          sent,
        );
      }
    });
    expect(await stub.series(null, ...ALL)).toEqual({
      minutes: [],
      hours: [point(old, { sent: 5 }), point(old + HOUR, { sent: 1 })],
      minutesSince: hour - 48 * HOUR,
    });
  });
});

describe("concurrent calls", () => {
  it("ends with the series equal to the counters after 250 concurrent addMany calls, replays included", async () => {
    const stub = campaignStats(env, newCampaignId());
    const now = Date.now();
    const names: (keyof Counts)[] = ["queued", "sent", "delivered", "read", "sendErrors", "deliveryErrors"];
    const more: (keyof Counts)[] = ["notOnWhatsApp", "marketingLimited", "marketingExperiment", "skipped"];
    const calls = Array.from({ length: 250 }, (_, i) => {
      const entries: StatsEntry[] = [];
      for (let j = 0; j < 8; j++) {
        const name = [...names, ...more][(i * 7 + j * 3) % 10] as keyof Counts;
        entries.push({
          runId: `run_${(i + j) % 3}`,
          deltas: { [name]: 1 + ((i + j) % 3), ...(j % 4 === 0 ? { sent: 1, delivered: 1 } : {}) },
          // Times from three days ago to now: minutes and hours both move.
          at: now - ((i * 997 + j * 7919) % (72 * 60)) * MINUTE,
          // Every second call's entries come from the ledger; some ids repeat (a page handed over twice).
          ...(i % 2 === 0 ? { eventId: i * 2 + j + 1 } : {}),
        });
      }
      return stub.addMany(entries);
    });
    await Promise.all(calls);
    const snapshot = await stub.read();
    for (const runId of ["run_0", "run_1", "run_2"]) {
      const { series, counters } = sums(await stub.series(runId, ...ALL), snapshot, runId);
      expect(series, runId).toEqual(counters);
      expect(counters.sent, runId).toBeGreaterThan(0);
    }
    const all = sums(await stub.series(null, ...ALL), snapshot);
    expect(all.series).toEqual(all.counters);
  });
});

describe("the recount", () => {
  it("rebuilds the series from the messages' own times, in the same replace as the counters", async () => {
    const campaignId = newCampaignId();
    const { projectId, ids } = await queued(3, campaignId);
    await insertCampaignRow({ id: campaignId, projectId, kind: "api", name: campaignId, templateId: null });
    const [a, b, c] = ids as [string, string, string];
    const base = minuteOf(Date.now()) - 20 * MINUTE;
    const status = (messageId: string, change: Parameters<typeof applyStatus>[2]) =>
      applyStatus(db(), { projectId, messageId }, change);
    // Meta's times: the ledger's rows are written now, the messages keep Meta's.
    await status(a, { status: "sent", at: base + 1_000 });
    await status(a, { status: "read", at: base + 3 * MINUTE });
    await status(b, { status: "delivered", at: base + 3 * MINUTE + 10 });
    await status(c, { status: "failed", at: base + 9 * MINUTE, error: { code: 131049, title: "held", message: "" } });
    await outbox(env).drain();
    const stats = campaignStats(env, campaignId);
    // A fault the recount repairs: a move the ledger never recorded.
    await stats.addMany([{ runId: API_RUN_ID, deltas: { sent: 5 }, at: base - HOUR }]);

    const response = await call("POST", `/v1/admin/campaigns/${campaignId}/recount`, { admin: true });
    expect(response.status).toBe(200);
    const stored = await stats.series(null, ...ALL);
    expect(stored).toEqual({
      minutes: [
        point(base, { sent: 1 }),
        point(base + 3 * MINUTE, { sent: 1, delivered: 2, read: 1 }),
        point(base + 9 * MINUTE, { failed: 1 }),
      ],
      hours: [],
      minutesSince: expect.any(Number),
    });
    const { series, counters } = sums(stored, await stats.read());
    expect(series).toEqual(counters);
  });
});

describe("the recount's series query", () => {
  it("reads each of the campaign's messages once, through their indexes (the four kinds are the inner loop)", async () => {
    const plan = await queryPlan(seriesFromLedger(db(), "cmp_plan", Date.now()));
    expect(plan).toContain("SEARCH messages USING INDEX messages_campaign (campaign_id=?)");
    expect(plan).toContain("SEARCH messages USING INDEX messages_run (run_id=?)");
    expect(plan.filter((step) => step.startsWith("SCAN ") && step !== "SCAN CONSTANT ROW")).toEqual(["SCAN k"]);
  });
});

describe("live updates", () => {
  it("carry the minutes an update moved, in total and per run; a socket gets the latest minute on connect", async () => {
    const p = await newProject();
    const campaignId = newCampaignId();
    await insertCampaignRow({ id: campaignId, projectId: p.id, kind: "api", name: campaignId, templateId: null });
    const stats = campaignStats(env, campaignId);
    const minute = minuteOf(Date.now()) - 5 * MINUTE;
    const iso = (at: number) => new Date(at).toISOString();
    await stats.addMany([{ runId: "run_a", deltas: { sent: 2 }, at: minute - MINUTE }]);
    await stats.addMany([{ runId: "run_a", deltas: { sent: 1 }, at: minute + 1 }]);

    const socket = await openLive(`/v1/campaigns/${campaignId}/live`, { Authorization: `Bearer ${p.sender}` });
    const first = (await socket.nextJson()) as LiveMessage;
    expect(first.series).toEqual({
      total: [{ ...point(0, { sent: 1 }), at: iso(minute) }],
      runs: { run_a: [{ ...point(0, { sent: 1 }), at: iso(minute) }] },
    });

    await stats.addMany([
      { runId: "run_a", deltas: { delivered: 1 }, at: minute + 2 },
      { runId: "run_b", deltas: { sent: 1, deliveryErrors: 1 }, at: minute + MINUTE },
      { runId: "run_b", deltas: { queued: 1 } },
    ]);
    const update = (await socket.nextJson()) as LiveMessage;
    expect(update.total).toMatchObject({ sent: 4, delivered: 1, deliveryErrors: 1, queued: 1 });
    expect(update.series).toEqual({
      total: [
        { ...point(0, { sent: 1, delivered: 1 }), at: iso(minute) },
        { ...point(0, { sent: 1, failed: 1 }), at: iso(minute + MINUTE) },
      ],
      runs: {
        run_a: [{ ...point(0, { sent: 1, delivered: 1 }), at: iso(minute) }],
        run_b: [{ ...point(0, { sent: 1, failed: 1 }), at: iso(minute + MINUTE) }],
      },
    });
    socket.ws.close(1000, "done");
  });
});
