import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { StatsEntry } from "../../src/durable-objects/campaign-stats/counters";
import { applyStatus } from "../../src/features/messages/status";
import { API_RUN_ID, recordStats } from "../../src/features/stats/record";
import type { StatusChange, Transition } from "../../src/platform/db/schema";
import { db, newProject } from "../helpers";
import { insertQueuedMessage, templateMessage } from "../messages/messages.helpers";
import { stats } from "./stats.helpers";

const newCampaignId = () => `cmp_test_${crypto.randomUUID()}`;
const readStats = (campaignId: string) => env.CAMPAIGN_STATS.getByName(campaignId).read();

let m = 0;
const t = (
  campaignId: string | null,
  runId: string | null,
  from: Transition["from"],
  to: Transition["to"],
  error?: Transition["error"],
): Transition => ({ messageId: `msg_${++m}`, projectId: "prj_x", campaignId, runId, from, to, error });

/** The real namespace, with every addMany call recorded (and optionally made to fail). */
function spiedEnv(failFor: Set<string> = new Set()) {
  const calls: { campaignId: string; entries: StatsEntry[] }[] = [];
  const ns = env.CAMPAIGN_STATS;
  const names = new Map<string, string>();
  const spy = {
    idFromName: (name: string) => {
      const id = ns.idFromName(name);
      names.set(id.toString(), name);
      return id;
    },
    get: (id: DurableObjectId) => {
      const stub = ns.get(id);
      const campaignId = names.get(id.toString()) ?? "?";
      return {
        addMany: async (entries: StatsEntry[]) => {
          calls.push({ campaignId, entries });
          if (failFor.has(campaignId)) throw new Error(`refused ${campaignId}`);
          return stub.addMany(entries);
        },
      };
    },
  };
  return { env: { CAMPAIGN_STATS: spy } as unknown as Env, calls };
}

describe("recordStats", () => {
  it("makes one addMany per campaign, summed per run, with no run id counted under `api`", async () => {
    const a = newCampaignId();
    const b = newCampaignId();
    const { env: spied, calls } = spiedEnv();
    await recordStats(spied, [
      t(a, null, null, "queued"),
      t(a, null, null, "queued"),
      t(a, null, "queued", "sent"),
      t(a, "run_1", null, "queued"),
      t(a, "run_1", "queued", "read"),
      t(b, "run_2", "sent", "failed", { code: 131026, title: "undeliverable", message: "" }),
      t(b, "run_2", "sent", "failed", { code: 131000, title: "generic", message: "" }),
      t(b, "run_2", "queued", "failed", { code: 131000, title: "generic", message: "" }),
      t(null, null, null, "queued"),
      t(null, "run_3", "queued", "sent"),
    ]);
    expect(calls.sort((x, y) => (x.campaignId === a ? -1 : y.campaignId === a ? 1 : 0))).toEqual([
      {
        campaignId: a,
        entries: [
          { runId: API_RUN_ID, deltas: { queued: 2, sent: 1 } },
          { runId: "run_1", deltas: { queued: 1, sent: 1, delivered: 1, read: 1 } },
        ],
      },
      { campaignId: b, entries: [{ runId: "run_2", deltas: { notOnWhatsApp: 1, deliveryErrors: 1, sendErrors: 1 } }] },
    ]);
    expect(await readStats(a)).toEqual({
      total: stats({ queued: 3, sent: 2, delivered: 1, read: 1 }),
      runs: {
        api: stats({ queued: 2, sent: 1 }),
        run_1: stats({ queued: 1, sent: 1, delivered: 1, read: 1 }),
      },
    });
    expect(await readStats(b)).toEqual({
      total: stats({ notOnWhatsApp: 1, deliveryErrors: 1, sendErrors: 1 }),
      runs: { run_2: stats({ notOnWhatsApp: 1, deliveryErrors: 1, sendErrors: 1 }) },
    });
  });

  it("uses the same object as get(idFromName(campaignId)) and adds across calls", async () => {
    const a = newCampaignId();
    await recordStats(env, [t(a, null, null, "queued")]);
    await recordStats(env, [t(a, null, "queued", "sent"), t(a, null, "sent", "delivered")]);
    const viaId = await env.CAMPAIGN_STATS.get(env.CAMPAIGN_STATS.idFromName(a)).read();
    expect(viaId).toEqual({
      total: stats({ queued: 1, sent: 1, delivered: 1 }),
      runs: { api: stats({ queued: 1, sent: 1, delivered: 1 }) },
    });
  });

  it("makes no call when no counter moves: no transitions, none with a campaign, or only queued → sending", async () => {
    const a = newCampaignId();
    const { env: spied, calls } = spiedEnv();
    await recordStats(spied, []);
    await recordStats(spied, [t(null, null, null, "queued"), t(null, "run_1", "sent", "read")]);
    await recordStats(spied, [t(a, null, "queued", "sending"), t(a, "run_1", "queued", "sending")]);
    expect(calls).toEqual([]);
    expect(await readStats(a)).toEqual({ total: stats({}), runs: {} });
  });

  it("records every other campaign when one fails, then throws naming the one that failed", async () => {
    const ok = newCampaignId();
    const broken = newCampaignId();
    const { env: spied, calls } = spiedEnv(new Set([broken]));
    const result = recordStats(spied, [t(broken, null, null, "queued"), t(ok, null, null, "queued")]);
    await expect(result).rejects.toThrow(`campaign stats not recorded for 1 of 2 campaigns: ${broken}`);
    await expect(result).rejects.toBeInstanceOf(AggregateError);
    expect(calls.map((c) => c.campaignId).sort()).toEqual([ok, broken].sort());
    expect((await readStats(ok)).total).toEqual(stats({ queued: 1 }));
    expect((await readStats(broken)).total).toEqual(stats({}));
  });
});

describe("recordStats after applyStatus", () => {
  // Four messages' webhooks, in the order they might arrive.
  const SCRIPT: [message: number, change: StatusChange][] = [
    [0, { status: "sent", at: 1_000 }],
    [1, { status: "failed", at: 1_000, error: { code: 131026, title: "Message undeliverable", message: "" } }],
    [0, { status: "delivered", at: 2_000 }],
    [2, { status: "sent", at: 1_000 }],
    [3, { status: "read", at: 4_000 }],
    [2, { status: "failed", at: 3_000, error: { code: 131000, title: "Something went wrong", message: "" } }],
    [0, { status: "read", at: 3_000 }],
  ];

  /** Records four queued messages in a campaign, then applies `script`, recording stats after each batch. */
  async function play(script: [number, StatusChange][], batches: number) {
    const p = await newProject();
    const campaignId = newCampaignId();
    // Run ids are unique (a message is unique per run and number), so each play has its own.
    const runId = `run_replay_${campaignId}`;
    const ids: string[] = [];
    const recorded: Transition[] = [];
    for (let i = 0; i < 4; i++) {
      const number = `+9174285262${80 + i}`;
      const id = await insertQueuedMessage(db(), {
        projectId: p.id,
        number,
        templateId: null,
        payload: templateMessage(number),
        campaignId,
        runId,
      });
      ids.push(id);
      recorded.push({ messageId: id, projectId: p.id, campaignId, runId, from: null, to: "queued" });
    }
    await recordStats(env, recorded);
    let real = 0;
    for (let round = 0; round < batches; round++) {
      const transitions: Transition[] = [];
      for (const [message, change] of script) {
        const transition = await applyStatus(db(), { projectId: p.id, messageId: ids[message] }, change);
        if (transition) transitions.push(transition);
      }
      real += transitions.length;
      await recordStats(env, transitions);
    }
    const { total, runs } = await readStats(campaignId);
    return { total, run: runs[runId], runIds: Object.keys(runs), real };
  }

  it("counts duplicated and replayed statuses exactly as the single application", async () => {
    const doubled = SCRIPT.flatMap((step) => [step, step]);
    const once = await play(SCRIPT, 1);
    const replayed = await play(doubled, 3);
    const expected = stats({ queued: 4, sent: 3, delivered: 2, read: 2, deliveryErrors: 1, notOnWhatsApp: 1 });
    expect(once.total).toEqual(expected);
    expect(once.run).toEqual(expected);
    expect(once.runIds).toHaveLength(1);
    expect(replayed.total).toEqual(expected);
    expect(replayed.run).toEqual(expected);
    expect(replayed.runIds).toHaveLength(1);
    // Each status of the script is a real transition the first time it arrives, and never again.
    expect(once.real).toBe(SCRIPT.length);
    expect(replayed.real).toBe(SCRIPT.length);
    expect(expected.deliveryRate).toBe(0.6667);
    expect(expected.readRate).toBe(1);
  });
});
