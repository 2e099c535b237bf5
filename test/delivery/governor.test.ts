import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { governorFor, LEAD_MS, type SendGovernor } from "../../src/durable-objects/send-governor";
import { readSource } from "../../src/durable-objects/send-governor/feeder";
import { book, freshPace, PACE_MARGIN, slowDown } from "../../src/durable-objects/send-governor/pace";
import { GovernorStore } from "../../src/durable-objects/send-governor/store";
import { createDb } from "../../src/platform/db/client";
import type { SendJob } from "../../src/queues/contracts";
import { measureD1 } from "../d1-cost";
import { newProject } from "../helpers";
import { queueRows } from "./backlog.helpers";

let numbers = 0;
const governor = () => governorFor(env, `governor-test-${Date.now()}-${++numbers}`);
const send = (messageId: string, to: string | null = null) => ({ messageId, to });

describe("pace", () => {
  it("spaces slots evenly at the rate (less the margin) and books none past the longest wait", () => {
    const pace = freshPace(100);
    const slots = book(pace, 5, 1_000, 60_000);
    const spacing = 1000 / (100 * PACE_MARGIN);
    expect(slots).toEqual([0, 1, 2, 3, 4].map((i) => Math.round(1_000 + i * spacing)));
    // 100 messages at 98/s: only the ones that start within 500 ms are booked.
    expect(book(freshPace(100), 100, 0, 500)).toHaveLength(50);
  });

  it("halves the rate once per episode of throughput errors, then recovers a tenth every step", () => {
    const pace = freshPace(80);
    expect(slowDown(pace, 0)).toBe(true);
    expect(slowDown(pace, 100)).toBe(false);
    expect(slowDown(pace, 4_000)).toBe(false);
    expect(pace.factor).toBe(0.5);
    book(pace, 1, 10_000, 1_000); // 5 s after the episode: one step back
    expect(pace.factor).toBeCloseTo(0.6);
    book(pace, 1, 40_000, 1_000);
    expect(pace.factor).toBe(1);
  });
});

describe("send governor", () => {
  it("keeps its timeline, slowdown and pair windows across an eviction", async () => {
    const stub = governor();
    const now = Date.now() + 10_000;
    const first = await stub.reserve({ lane: "transactional", rate: 10, sends: [send("msg_a", "+1555")] }, now);
    expect(first).toEqual([{ at: now }]);
    expect(await stub.slowDown(now)).toBe(true);
    await evictDurableObject(stub);
    const [again, samePerson] = await stub.reserve(
      { lane: "transactional", rate: 10, sends: [send("msg_b"), send("msg_c", "+1555")] },
      now,
    );
    // Next slot after the first at 10/s × 0.5 × 0.98, and the person's six-second window remembered.
    expect(again).toEqual({ at: Math.round(now + 1000 / (10 * PACE_MARGIN)) });
    expect(samePerson).toEqual({ later: now + 6_000 });
    expect((await stub.snapshot(now)).pace.factor).toBe(0.5);
  });

  it("forgets passed pair windows at most once a second: each pass walks the whole table", async () => {
    await runInDurableObject(governor(), async (_g: SendGovernor, state) => {
      const store = new GovernorStore(state.storage.sql);
      const pairs = () => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM pairs").one().n;
      store.holdPairs([["+911", 1_000, "msg_a"]]);
      store.prunePairs(2_000);
      expect(pairs()).toBe(0);
      store.holdPairs([["+912", 2_100, "msg_b"]]);
      // Passed, but within a second of the last pass: kept for now, and never a hold (its time has gone).
      store.prunePairs(2_900);
      expect(pairs()).toBe(1);
      expect(store.pairsFreeAt(["+912"]).get("+912")?.freeAt).toBe(2_100);
      store.prunePairs(3_000);
      expect(pairs()).toBe(0);
    });
  });

  it("never holds a message back for its own earlier attempt's pair window", async () => {
    const stub = governor();
    const now = Date.now();
    await stub.reserve({ lane: "transactional", rate: 80, sends: [send("msg_a", "+1555")] }, now);
    const [retry] = await stub.reserve({ lane: "transactional", rate: 80, sends: [send("msg_a", "+1555")] }, now + 10);
    expect(retry).toHaveProperty("at");
  });

  it("books broadcast sends only within their lead, transactional ones up to a minute ahead", async () => {
    const stub = governor();
    const now = Date.now();
    const many = (n: number) => Array.from({ length: n }, (_, i) => send(`msg_${i}`));
    const broadcast = await stub.reserve({ lane: "broadcast", rate: 10, sends: many(100) }, now);
    expect(broadcast.filter((s) => "at" in s).length).toBeLessThan(60);
    expect(broadcast.at(-1)).toHaveProperty("later");
    const transactional = await stub.reserve({ lane: "transactional", rate: 10, sends: many(10) }, now);
    expect(transactional.every((s) => "at" in s)).toBe(true);
  });

  it("releases parked sends when due, transactional before broadcast, within the lead", async () => {
    const stub = governor();
    const released: SendJob[] = [];
    const now = Date.now();
    const job = (id: string, runId?: string): SendJob => ({
      kind: "send",
      projectId: "prj_x",
      messageId: id,
      ...(runId ? { runId } : {}),
    });
    await runInDurableObject(stub, async (g: SendGovernor, state) => {
      g.deliver = async (bodies) => void released.push(...(bodies as SendJob[]));
      await g.park([
        { lane: "broadcast", notBefore: now, body: job("msg_b", "run_x") },
        { lane: "transactional", notBefore: now, body: job("msg_t") },
        { lane: "transactional", notBefore: now + 60_000, body: job("msg_later") },
      ]);
      // The test ticks by hand.
      await state.storage.deleteAlarm();
    });
    // Three sends booked at 10/s (306 ms) leave room for one more within the lead of 500 ms.
    const sends = Array.from({ length: 3 }, (_, i) => send(`msg_${i}`));
    await stub.reserve({ lane: "transactional", rate: 10, sends }, now);
    expect(await stub.tick(now)).toBe(1);
    expect(released.map((b) => b.messageId)).toEqual(["msg_t"]);
    expect(await stub.tick(now + LEAD_MS)).toBe(1);
    expect(released.map((b) => b.messageId)).toEqual(["msg_t", "msg_b"]);
    expect((await stub.snapshot()).parked).toBe(1);
  });

  it("feeds a number slower than two a second one send at a time, though its lead holds less than one", async () => {
    const p = await newProject();
    const run = await queueRows(p.id, 3, { broadcast: true });
    const stub = governor();
    const released: SendJob[] = [];
    const now = Date.now();
    const first = await runInDurableObject(stub, async (g: SendGovernor, state) => {
      g.deliver = async (bodies) => void released.push(...(bodies as SendJob[]));
      await g.feed({ runId: run.runId ?? "", projectId: p.id, campaignId: run.campaignId ?? "", rate: 1 });
      await state.storage.deleteAlarm();
      return g.tick(now);
    });
    expect(first).toBe(1);
    // Nothing more while the one released is not booked, nor while its slot is ahead.
    expect(await stub.tick(now + 100)).toBe(0);
    const [slot] = await stub.reserve(
      { lane: "broadcast", rate: 1, sends: [send(released[0]?.messageId ?? "", "+1555")] },
      now + 200,
    );
    expect(slot).toEqual({ at: now + 200 });
    expect(await stub.tick(now + 300)).toBe(0);
    // Its slot's time (1 s at 1/s, less the margin) has passed: the next one.
    expect(await stub.tick(now + 200 + Math.ceil(1000 / PACE_MARGIN))).toBe(1);
    expect(released).toHaveLength(2);
  });

  it("feeds several runs on one number in turn, and lets go of a paused run", async () => {
    const p = await newProject();
    const a = await queueRows(p.id, 30, { broadcast: true });
    const b = await queueRows(p.id, 30, { broadcast: true, firstNumber: 100 });
    const stub = governor();
    const released: SendJob[] = [];
    const now = Date.now();
    const first = await runInDurableObject(stub, async (g: SendGovernor, state) => {
      g.deliver = async (bodies) => void released.push(...(bodies as SendJob[]));
      for (const run of [a, b]) {
        await g.feed({ runId: run.runId ?? "", projectId: p.id, campaignId: run.campaignId ?? "", rate: 20 });
      }
      await state.storage.deleteAlarm();
      return g.tick(now);
    });
    // The lead's worth of sends at 20/s, shared evenly.
    expect(first).toBe(Math.floor((20 * PACE_MARGIN * LEAD_MS) / 1000));
    const byRun = (runId?: string) => released.filter((r) => r.runId === runId).length;
    expect(Math.abs(byRun(a.runId) - byRun(b.runId))).toBeLessThanOrEqual(1);
    await env.DB.prepare("UPDATE runs SET status = 'paused' WHERE id = ?").bind(a.runId).run();
    await stub.tick(now + 10_000);
    expect((await stub.snapshot()).sources.map((s) => s.runId)).toEqual([b.runId]);
  });
});

describe("a run's source as the governor reads it", () => {
  it("costs two statements, reads the page after the cursor, and stops at a paused campaign", async () => {
    const p = await newProject();
    const rows = await queueRows(p.id, 5, { broadcast: true });
    const source = {
      runId: rows.runId as string,
      projectId: p.id,
      campaignId: rows.campaignId as string,
      after: "",
      rescanBefore: null,
    };
    const { result, cost } = await measureD1(env.DB, () => readSource(env, createDb(env.DB), source, 3));
    const inIdOrder = rows.jobs.map((j) => j.messageId).sort();
    expect(result).toEqual({ kind: "release", ids: inIdOrder.slice(0, 3) });
    // The run's and the campaign's status in one statement, then the page.
    expect(cost.statements).toBe(2);
    await env.DB.prepare("UPDATE campaigns SET status = 'paused' WHERE id = ?").bind(source.campaignId).run();
    expect(await readSource(env, createDb(env.DB), source, 3)).toEqual({ kind: "done", why: "paused" });
    await env.DB.prepare("UPDATE campaigns SET status = 'live' WHERE id = ?").bind(source.campaignId).run();
    await env.DB.prepare("UPDATE runs SET status = 'cancelled' WHERE id = ?").bind(source.runId).run();
    expect(await readSource(env, createDb(env.DB), source, 3)).toEqual({ kind: "done", why: "finished" });
  });
});
