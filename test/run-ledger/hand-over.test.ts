import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { RunLedger } from "../../src/features/run-ledger";
import { handOver } from "../../src/features/run-ledger/hand-over";
import { PENDING_CALLS } from "../../src/features/run-ledger/move-log";
import { outcomes } from "../../src/features/run-ledger/outcomes";
import type { LedgerMeta } from "../../src/features/run-ledger/schema";
import { type Cost, LedgerStore } from "../../src/features/run-ledger/store";
import { eventually } from "../messages/messages.helpers";
import { costOf, newLedger, recipients } from "./ledger.helpers";

type Ledger = DurableObjectStub<RunLedger>;

const storeOf = (instance: RunLedger) => (instance as unknown as { store: LedgerStore }).store;
// Figures are returned as copies: the object (same isolate) goes on metering into `store.cost`.
const zero = (): Cost => ({ statements: 0, rowsRead: 0, rowsWritten: 0 });

/** A run of `n` messages recorded and claimed, its moves so far handed over. */
async function claimedRun(n: number) {
  const { meta, ledger } = newLedger();
  await ledger.record(meta, [], recipients(1, n));
  await ledger.claim(n);
  await eventually(
    () => ledger.pendingLog(),
    (left) => left === 0,
  );
  return { meta, ledger };
}

/**
 * Meta's acceptance of each of `slots`, one call each, made inside the object without the alarm
 * that would hand them over: what waits when the statistics cannot be reached. What they cost.
 */
const sentOneByOne = (ledger: Ledger, slots: number[]) =>
  runInDurableObject(ledger, (instance: RunLedger, state) => {
    const store = storeOf(instance);
    store.cost = zero();
    for (const slot of slots) {
      state.storage.transactionSync(() => outcomes(store, [{ slot, ok: true, wamid: `wamid.${slot}` }], 3, 10));
    }
    return { ...store.cost };
  });

/** Meta's acceptance of `slots` in one call, made inside the object as `sentOneByOne`; what it cost. */
const sentTogether = (ledger: Ledger, slots: number[]) =>
  runInDurableObject(ledger, (instance: RunLedger, state) => {
    const store = storeOf(instance);
    store.cost = zero();
    const results = slots.map((slot) => ({ slot, ok: true as const, wamid: `wamid.${slot}` }));
    state.storage.transactionSync(() => outcomes(store, results, 3, 10));
    return { ...store.cost };
  });

/** Where the calls' moves wait: on the counters' row, and spilled into `log`. */
const waiting = (ledger: Ledger) =>
  runInDurableObject(ledger, (_: RunLedger, state) => ({
    pending: state.storage.sql.exec<{ n: number }>("SELECT json_array_length(pending) AS n FROM counts").one().n,
    spilled: state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM log").one().n,
  }));

/** One hand-over round, run inside the object; whether more wait, and what it cost. */
const round = (ledger: Ledger, meta: LedgerMeta) =>
  runInDurableObject(ledger, async (instance: RunLedger) => {
    const store = storeOf(instance);
    store.cost = zero();
    const more = await handOver(env, store, meta);
    return { more, cost: { ...store.cost } };
  });

const sent = async (meta: LedgerMeta) =>
  (await env.CAMPAIGN_STATS.getByName(meta.campaignId).read()).runs[meta.runId]?.sent ?? 0;

describe("a run ledger's hand-over of its moves", () => {
  it("writes one row beside a call's messages, none for a round, and drops what was handed over with the next write", async () => {
    const { meta, ledger } = await claimedRun(100);
    const range = (from: number) => Array.from({ length: 50 }, (_, i) => from + i);
    expect((await sentTogether(ledger, range(1))).rowsWritten).toBe(51);
    expect(await waiting(ledger)).toEqual({ pending: 1, spilled: 0 });
    const handed = await round(ledger, meta);
    expect(handed).toEqual({ more: false, cost: expect.objectContaining({ rowsWritten: 0 }) });
    expect(await sent(meta)).toBe(50);
    expect(await ledger.pendingLog()).toBe(0);
    // The next call's write drops the call handed over; the alarm drops what is left after a burst.
    expect((await sentTogether(ledger, range(51))).rowsWritten).toBe(51);
    expect(await waiting(ledger)).toEqual({ pending: 1, spilled: 0 });
    await round(ledger, meta);
    await runDurableObjectAlarm(ledger);
    expect(await waiting(ledger)).toEqual({ pending: 0, spilled: 0 });
    expect(await sent(meta)).toBe(100);
  });

  it("arms one alarm for the calls of its time, and hands each call over as it is made", async () => {
    const { meta, ledger } = await claimedRun(10);
    // Through the object's own calls: the alarm the run's first call armed covers these.
    const { cost } = await costOf(ledger, async () => {
      for (let slot = 1; slot <= 10; slot++) await ledger.outcomes([{ slot, ok: true, wamid: `wamid.${slot}` }], 3);
    });
    expect(cost.rowsWritten).toBeLessThanOrEqual(10 * 2 + 1);
    await eventually(
      () => sent(meta),
      (n) => n === 10,
    );
  });

  it("leaves to the alarm what a call made and no hand-over followed (a crash)", async () => {
    const { meta, ledger } = await claimedRun(5);
    await sentOneByOne(ledger, [1, 2, 3]);
    expect(await ledger.pendingLog()).toBe(3);
    await runDurableObjectAlarm(ledger);
    expect(await sent(meta)).toBe(3);
    expect(await waiting(ledger)).toEqual({ pending: 0, spilled: 0 });
  });

  it("spills into the log when the hand-over falls behind, and hands every call over once, in id order", async () => {
    const { meta, ledger } = await claimedRun(PENDING_CALLS + 30);
    const spill = 25;
    const slot = (i: number) => i + 1;
    const first = Array.from({ length: PENDING_CALLS + spill }, (_, i) => slot(i));
    const cost = await sentOneByOne(ledger, first);
    // Each pending call writes its message and the counters' row; each spilled one a log row more.
    expect(cost.rowsWritten).toBe(first.length * 2 + spill);
    expect(await waiting(ledger)).toEqual({ pending: PENDING_CALLS, spilled: spill });
    // The oldest first: the counters' row's calls; the log's wait.
    expect((await round(ledger, meta)).more).toBe(true);
    expect(await sent(meta)).toBe(PENDING_CALLS);
    // A call made now waits on the counters' row again, with an id after every spilled one: it is
    // handed over after them, so the statistics, which skip ids they passed, count them all.
    await sentOneByOne(ledger, [slot(first.length)]);
    // The handed-over calls were dropped from the row by that call's write.
    expect(await waiting(ledger)).toEqual({ pending: 1, spilled: spill });
    let rounds = 0;
    while ((await round(ledger, meta)).more) rounds++;
    expect(rounds).toBe(1);
    expect(await sent(meta)).toBe(first.length + 1);
    expect(await ledger.pendingLog()).toBe(0);
    expect((await waiting(ledger)).spilled).toBe(0);
    expect(await ledger.counts()).toMatchObject({ queued: 4, sent: first.length + 1 });
  });

  it("goes on from the ids an older object's AUTOINCREMENT log handed out", async () => {
    const { ledger } = await claimedRun(1);
    const counts = await runInDurableObject(ledger, (_: RunLedger, state) => {
      const sql = state.storage.sql;
      // As an object made before the moves waited on the counters' row: its last call was id 41.
      sql.exec("DROP TABLE log");
      sql.exec("CREATE TABLE log (id INTEGER PRIMARY KEY AUTOINCREMENT, moves TEXT NOT NULL, at INTEGER NOT NULL)");
      sql.exec("INSERT INTO log (id, moves, at) VALUES (41, '[]', 1)");
      sql.exec("DELETE FROM log");
      sql.exec("ALTER TABLE counts DROP COLUMN pending");
      sql.exec("ALTER TABLE counts DROP COLUMN next_log");
      new LedgerStore(sql);
      return sql.exec<{ next_log: number; pending: string }>("SELECT next_log, pending FROM counts").one();
    });
    expect(counts).toEqual({ next_log: 42, pending: "[]" });
  });
});
