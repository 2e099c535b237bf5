import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { RunLedger } from "../../src/features/run-ledger";
import { type DayRecipient, recordSends } from "../../src/features/run-ledger/day";
import type { LedgerStore } from "../../src/features/run-ledger/store";
import { costOf, error, newLedger } from "../run-ledger/ledger.helpers";

// An API campaign's day in its object (src/features/run-ledger/day.ts): slots handed out in
// blocks, sends recorded claimed in whatever order they arrive, each handed out once.

const DAY = 20_000;

function newDay() {
  const { meta, ledger } = newLedger();
  return { meta: { ...meta, apiDay: DAY }, ledger, projectId: meta.projectId };
}

const sends = (slots: number[], skip: string | null = null): DayRecipient[] =>
  slots.map((slot) => ({
    slot,
    number: `+1555${String(slot).padStart(7, "0")}`,
    payload: JSON.stringify({ to: `+1555${slot}`, template: { name: "t", language: "en" } }),
    base: null,
    skipReason: skip,
    template: "7",
  }));

describe("an API day's object", () => {
  it("hands out blocks of slots that never overlap", async () => {
    const { meta, ledger } = newDay();
    const firsts = await Promise.all(Array.from({ length: 20 }, () => ledger.reserve(meta, 64)));
    const slots = firsts.flatMap((first) => Array.from({ length: 64 }, (_, i) => first + i));
    expect(new Set(slots).size).toBe(20 * 64);
    expect(Math.min(...slots)).toBe(1);
  });

  it("records sends claimed, in any order, and claims each once however often it is recorded", async () => {
    const { meta, ledger, projectId } = newDay();
    await ledger.reserve(meta, 64);
    const first = await ledger.recordSends(projectId, [], sends([9, 3, 5]));
    expect(first.claimed.map((c) => [c.slot, c.attempts]).sort()).toEqual([
      [3, 1],
      [5, 1],
      [9, 1],
    ]);
    expect(first.meta.runId).toBe(meta.runId);
    // A redelivery of the same sends: nothing to send again.
    expect((await ledger.recordSends(projectId, [], sends([9, 3, 5]))).claimed).toEqual([]);
    const rows = await ledger.page(0, 10);
    expect(rows.map((r) => [r.slot, r.state, r.template])).toEqual([
      [3, "sending", "7"],
      [5, "sending", "7"],
      [9, "sending", "7"],
    ]);
    expect(await ledger.counts()).toMatchObject({ queued: 3, sent: 0 });
    // A claim job (the governor's) never hands out a day's message recorded claimed.
    expect(await ledger.claim(10)).toEqual([]);
  });

  it("reads two rows a message to record and claim a batch, whatever the day holds, and writes one beside", async () => {
    const { meta, ledger, projectId } = newDay();
    await ledger.reserve(meta, 2_000);
    const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
    for (let from = 1; from <= 1_000; from += 500) await ledger.recordSends(projectId, [], sends(range(from, 500)));
    // Inside the object, so that no hand-over the alarm runs meanwhile is counted with it.
    const { claimed, cost } = await runInDurableObject(ledger, (instance: RunLedger, state) => {
      const store = (instance as unknown as { store: LedgerStore }).store;
      store.cost = { statements: 0, rowsRead: 0, rowsWritten: 0 };
      const recorded = state.storage.transactionSync(() => recordSends(store, [], sends(range(1_001, 100)), 10));
      // A copy: the object (same isolate) goes on metering its hand-over into `store.cost`.
      return { claimed: recorded.claimed, cost: { ...store.cost } };
    });
    expect(claimed).toHaveLength(100);
    // Its JSON element and its place in the table; the counters' row, written with the call's moves.
    expect(cost.rowsRead).toBeLessThanOrEqual(201);
    expect(cost.rowsWritten).toBe(101);
  });

  it("records a skip with its reason, unclaimed", async () => {
    const { meta, ledger, projectId } = newDay();
    await ledger.reserve(meta, 64);
    const out = await ledger.recordSends(projectId, [], sends([2], "opted_out"));
    expect(out).toMatchObject({ claimed: [], skipped: [2] });
    expect((await ledger.page(0, 5)).map((r) => [r.state, r.skip_reason])).toEqual([["skipped", "opted_out"]]);
    expect(await ledger.counts()).toMatchObject({ queued: 0, skipped: 1 });
  });

  it("claims again only what was given back unsent, once", async () => {
    const { meta, ledger, projectId } = newDay();
    await ledger.reserve(meta, 64);
    await ledger.recordSends(projectId, [], sends([1, 2]));
    await ledger.unclaim([1]);
    expect((await ledger.page(0, 5)).map((r) => [r.slot, r.state])).toEqual([
      [1, "queued"],
      [2, "sending"],
    ]);
    // The queue's retry records both again, in a batch with a new one: the one given back is
    // claimed, the one sending is not, the new one is.
    const again = await ledger.recordSends(projectId, [], sends([1, 2, 3]));
    expect(again.claimed.map((c) => [c.slot, c.attempts]).sort()).toEqual([
      [1, 1],
      [3, 1],
    ]);
    expect(await ledger.counts()).toMatchObject({ queued: 3 });
    // A job naming it (released by the governor) finds it taken.
    expect((await ledger.reclaim(projectId, [1, 2])).rows).toEqual([]);
    // Given back once more (a retryable failure), a job claims it with its attempts counted.
    await ledger.outcomes([{ slot: 1, ok: false, error: error("retryable") }], 8);
    const claimed = await ledger.reclaim(projectId, [1, 1]);
    expect(claimed.rows.map((r) => [r.slot, r.attempts])).toEqual([[1, 2]]);
    expect(JSON.parse(claimed.rows[0]?.payload ?? "{}")).toMatchObject({ template: { name: "t" } });
    expect(claimed.runId).toBe(meta.runId);
  });

  it("refuses sends of another project, and answers another project's reclaim with nothing", async () => {
    const { meta, ledger, projectId } = newDay();
    await ledger.reserve(meta, 64);
    const refused = await ledger.recordSends("prj_other", [], sends([1])).then(
      () => null,
      (err: unknown) => err,
    );
    expect(String(refused)).toMatch(/no API day of project prj_other/);
    await ledger.recordSends(projectId, [], sends([1]));
    await ledger.unclaim([1]);
    expect(await ledger.reclaim("prj_other", [1])).toEqual({ runId: null, rows: [] });
    expect(await ledger.message("prj_other", 1)).toBeNull();
  });

  it("sweeps what stays sending past a watermark, and finds a send recorded behind it", async () => {
    const { meta, ledger, projectId } = newDay();
    await ledger.reserve(meta, 512);
    const t0 = 1_000_000;
    const settled = Array.from({ length: 300 }, (_, i) => i + 10);
    await ledger.recordSends(projectId, [], sends(settled), t0);
    await ledger.outcomes(
      settled.map((slot) => ({ slot, ok: true as const, wamid: `wamid.${slot}` })),
      8,
      t0 + 1,
    );
    await ledger.recordSends(projectId, [], sends([1, 3]), t0);
    await ledger.outcomes([{ slot: 3, ok: true, wamid: "wamid.3" }], 8, t0 + 1);
    await ledger.recordSends(projectId, [], sends([400]), t0 + 50_000);
    // Slot 1 was claimed before the cut-off and has no outcome; 400 is still young.
    expect(await ledger.sweep(t0 + 10_000, t0 + 60_000)).toBe(1);
    expect((await ledger.counts()).swept_through).toBe(399);
    // Slot 5, from an older block, arrives after the watermark passed it.
    await ledger.recordSends(projectId, [], sends([5]), t0 + 70_000);
    const { result, cost } = await costOf(ledger, () => ledger.sweep(t0 + 100_000, t0 + 120_000));
    expect(result).toBe(2);
    const rows = await ledger.page(0, 4);
    expect(rows.map((r) => [r.slot, r.state, r.error_title])).toEqual([
      [1, "failed", "Send outcome unknown"],
      [3, "sent", null],
      [5, "failed", "Send outcome unknown"],
      [10, "sent", null],
    ]);
    expect((await ledger.page(399, 4)).map((r) => [r.slot, r.state])).toEqual([[400, "failed"]]);
    // It read from its watermark on, not the 300 messages below it again.
    expect(cost.rowsRead).toBeLessThan(60);
    expect(await ledger.counts()).toMatchObject({ queued: 0, sent: 301, failed: 3 });
  });

  it("lists what was given back, for a resume to send again", async () => {
    const { meta, ledger, projectId } = newDay();
    await ledger.reserve(meta, 64);
    await ledger.recordSends(projectId, [], sends([1, 2, 3, 4]));
    await ledger.unclaim([2, 4]);
    expect(await ledger.returnedBefore(Number.POSITIVE_INFINITY, 0, 10)).toEqual([2, 4]);
    expect(await ledger.returnedBefore(Number.POSITIVE_INFINITY, 2, 10)).toEqual([4]);
    expect(await ledger.returnedBefore(0, 0, 10)).toEqual([]);
  });
});
