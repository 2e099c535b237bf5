import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { RunLedger } from "../../src/features/run-ledger";
import { record } from "../../src/features/run-ledger/record";
import { applyLedgerStatuses } from "../../src/features/run-ledger/route-statuses";
import { LedgerStore } from "../../src/features/run-ledger/store";
import { ledgerMessageId, parseLedgerMessageId } from "../../src/platform/ids";
import { createLogger } from "../../src/platform/log";
import { db } from "../helpers";
import { eventually } from "../messages/messages.helpers";
import { costOf, error, newLedger, recipients } from "./ledger.helpers";

describe("a run's ledger object", () => {
  it("gives an object made before a column was added that column, keeping its rows", async () => {
    const { meta, ledger } = newLedger();
    await ledger.record(meta, [], recipients(1, 2));
    const columns = await runInDurableObject(ledger, (_: RunLedger, state) => {
      // As an object made before `accepted_as` was: its messages table without it.
      state.storage.sql.exec("ALTER TABLE messages DROP COLUMN accepted_as");
      new LedgerStore(state.storage.sql);
      return state.storage.sql
        .exec<{ name: string }>("SELECT name FROM pragma_table_info('messages')")
        .toArray()
        .map((c) => c.name);
    });
    expect(columns).toContain("accepted_as");
    expect((await ledger.page(0, 10)).map((r) => [r.slot, r.accepted_as])).toEqual([
      [1, null],
      [2, null],
    ]);
  });

  it("records each slot once, and refuses a new slot below the claims' cursor", async () => {
    const { meta, ledger } = newLedger();
    expect(await ledger.record(meta, [], [...recipients(1, 3), ...recipients(4, 5, "opted_out")])).toMatchObject({
      queued: [1, 2, 3],
      skipped: [4, 5],
    });
    // The page again, and a person from a second audience: nothing twice.
    expect(await ledger.record(meta, [], recipients(1, 3))).toEqual({
      queued: [],
      skipped: [],
      recorded: { queued: 3, skipped: 2 },
    });
    expect(await ledger.counts()).toMatchObject({ queued: 3, skipped: 2 });
    await ledger.claim(2);
    // Called in the object (an RPC's rejection would also surface as the object's uncaught error).
    const refused = await runInDurableObject(ledger, (instance: RunLedger, state) => {
      const store = (instance as unknown as { store: LedgerStore }).store;
      try {
        state.storage.transactionSync(() => record(store, [], recipients(0, 0), 1));
        return null;
      } catch (err) {
        return String(err);
      }
    });
    expect(refused).toMatch(/below the claims' cursor/);
    expect(await ledger.counts()).toMatchObject({ queued: 3, skipped: 2 });
  });

  it("hands every message out once to many claimers at once, writing no message row", async () => {
    const { meta, ledger } = newLedger();
    await ledger.record(meta, [], recipients(1, 1000));
    const { result: first, cost } = await costOf(ledger, () => ledger.claim(100));
    expect(first.map((c) => c.slot)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    // The claim reads the rows it takes and writes no message: its claims row and its counters.
    expect(cost.rowsWritten).toBeLessThanOrEqual(3);
    expect(cost.rowsRead / 100).toBeLessThanOrEqual(1.1);
    // 40 claimers at once, as Cloudflare scales a consumer out on a backlog.
    const batches = await Promise.all(Array.from({ length: 40 }, () => ledger.claim(25)));
    const slots = [...first, ...batches.flat()].map((c) => c.slot);
    expect(slots).toHaveLength(1000);
    expect(new Set(slots).size).toBe(1000);
    expect(await ledger.claim(100)).toEqual([]);
    const sending = await ledger.page(0, 500, ["sending"]);
    expect(sending).toHaveLength(500);
    expect(sending[0]).toMatchObject({ state: "sending", claimed: expect.any(Number), attempts: 0 });
  });

  it("gives back unsent claims, which are handed out once more", async () => {
    const { meta, ledger } = newLedger();
    await ledger.record(meta, [], recipients(1, 5));
    await ledger.claim(5);
    expect(await ledger.unclaim([2, 4, 99])).toEqual([2, 4]);
    expect((await ledger.page(0, 10, ["queued"])).map((r) => r.slot)).toEqual([2, 4]);
    const again = await Promise.all([ledger.claim(5), ledger.claim(5)]);
    expect(
      again
        .flat()
        .map((c) => c.slot)
        .sort(),
    ).toEqual([2, 4]);
    expect(await ledger.claim(5)).toEqual([]);
  });

  it("records Meta's answers: sent once, failures by their class, an unknown outcome never sent again", async () => {
    const { meta, ledger } = newLedger();
    await ledger.record(meta, [], recipients(1, 5));
    await ledger.claim(5);
    const { result: answers } = await ledger.outcomes(
      [
        { slot: 1, ok: true, wamid: "wamid.one" },
        { slot: 2, ok: false, error: error("permanent") },
        { slot: 3, ok: false, error: error("retryable") },
        { slot: 4, ok: false, error: error("unknown", null) },
        { slot: 5, ok: false, error: error("account") },
      ],
      3,
    );
    expect(answers.map((a) => [a.slot, a.kind])).toEqual([
      [1, "sent"],
      [2, "failed"],
      [3, "retry"],
      [4, "unknown"],
      [5, "account"],
    ]);
    // The same answers again (a redelivered batch) move nothing.
    const replay = await ledger.outcomes([{ slot: 1, ok: true, wamid: "wamid.other" }], 3);
    expect(replay).toEqual({ result: [{ slot: 1, kind: "sent", moved: false }], finished: false });
    expect(await ledger.counts()).toMatchObject({ queued: 3, sent: 1, failed: 1 });
    // The retryable and the account failures come back, with their attempt counted; the unknown does not.
    const again = await ledger.claim(10);
    expect(again.map((c) => [c.slot, c.attempts])).toEqual([
      [3, 2],
      [5, 2],
    ]);
    const rows = await ledger.page(0, 10);
    expect(rows.find((r) => r.slot === 1)).toMatchObject({ state: "sent", wamid: "wamid.one" });
    expect(rows.find((r) => r.slot === 4)).toMatchObject({ state: "sending", error_class: "unknown" });
    // Past the most attempts, a retryable failure is final.
    const {
      result: [gaveUp],
    } = await ledger.outcomes([{ slot: 3, ok: false, error: error("retryable") }], 2);
    expect(gaveUp).toMatchObject({
      kind: "failed",
      moved: true,
      error: { message: expect.stringMatching(/gave up after 2/) },
    });
    // Meta's word settles the unknown outcome.
    const { moves } = await ledger.statuses(meta.projectId, [
      { slot: 4, change: { status: "delivered", at: 1_000, wamid: "wamid.four" } },
    ]);
    expect(moves).toEqual([{ slot: 4, from: "sending", to: "delivered" }]);
    expect((await ledger.page(3, 1))[0]).toMatchObject({ state: "delivered", error_class: null, wamid: "wamid.four" });
  });

  it("applies statuses forward only, in lifecycle order, and never hands out a message Meta failed", async () => {
    const { meta, ledger } = newLedger();
    await ledger.record(meta, [], recipients(1, 3));
    await ledger.claim(2);
    await ledger.outcomes(
      [
        { slot: 1, ok: true, wamid: "wamid.1" },
        { slot: 2, ok: true, wamid: "wamid.2" },
      ],
      3,
    );
    const { moves } = await ledger.statuses(meta.projectId, [
      { slot: 1, change: { status: "read", at: 30 } },
      { slot: 1, change: { status: "delivered", at: 20 } },
      { slot: 2, change: { status: "delivered", at: 20 } },
      { slot: 3, change: { status: "failed", at: 25, error: { code: 131049, title: "held", message: "limit" } } },
    ]);
    expect(moves).toEqual([
      { slot: 1, from: "sent", to: "delivered" },
      { slot: 1, from: "delivered", to: "read" },
      { slot: 2, from: "sent", to: "delivered" },
      { slot: 3, from: "queued", to: "failed", error: { code: 131049, title: "held", message: "limit" } },
    ]);
    // Late and repeated statuses move nothing back.
    const late = await ledger.statuses(meta.projectId, [
      { slot: 1, change: { status: "delivered", at: 40 } },
      { slot: 2, change: { status: "failed", at: 50, error: { code: 1, title: "x", message: "y" } } },
    ]);
    expect(late.moves).toEqual([]);
    expect(await ledger.claim(10)).toEqual([]);
    expect(await ledger.counts()).toMatchObject({ queued: 0, sent: 0, delivered: 1, read: 1, failed: 1, skipped: 0 });
    const [one] = await ledger.page(0, 1);
    expect(one).toMatchObject({ state: "read", delivered_at: 20, read_at: 30 });
  });

  it("skips a claimed message whose contact opted out since", async () => {
    const { meta, ledger } = newLedger();
    await ledger.record(meta, [], recipients(1, 2));
    await ledger.claim(2);
    expect(await ledger.skip([1, 7], "opted_out")).toEqual([1]);
    expect(await ledger.counts()).toMatchObject({ queued: 1, skipped: 1 });
    expect((await ledger.page(0, 1))[0]).toMatchObject({ state: "skipped", skip_reason: "opted_out" });
  });

  it("hands its moves to the campaign's statistics exactly once, however often its alarm runs", async () => {
    const { meta, ledger } = newLedger();
    await ledger.record(meta, [], recipients(1, 4));
    await ledger.claim(4);
    await ledger.outcomes(
      [1, 2, 3].map((slot) => ({ slot, ok: true as const, wamid: `wamid.${slot}` })),
      3,
    );
    await ledger.statuses(meta.projectId, [{ slot: 1, change: { status: "delivered", at: 5 } }]);
    await runDurableObjectAlarm(ledger);
    await runDurableObjectAlarm(ledger);
    // The alarm may have been running on its own when the test asked: waited for, whoever runs it.
    expect(
      await eventually(
        () => ledger.pendingLog(),
        (n) => n === 0,
      ),
    ).toBe(0);
    const stats = await env.CAMPAIGN_STATS.getByName(meta.campaignId).read();
    // Counters count the messages that ever reached a stage.
    expect(stats.runs[meta.runId]).toMatchObject({ queued: 4, sent: 3, delivered: 1 });
    // Moves after a hand-over are counted too: the log's ids go on after the rows it deleted.
    await ledger.statuses(meta.projectId, [{ slot: 2, change: { status: "read", at: 6 } }]);
    // Its alarm may already be running on its own: waited for, whoever runs it.
    await runDurableObjectAlarm(ledger);
    await eventually(
      () => ledger.pendingLog(),
      (n) => n === 0,
    );
    const later = await env.CAMPAIGN_STATS.getByName(meta.campaignId).read();
    expect(later.runs[meta.runId]).toMatchObject({ queued: 4, sent: 3, delivered: 2, read: 1 });
  });

  it("hands out each message whole, its patch applied to the page's shared base", async () => {
    const { meta, ledger } = newLedger();
    const base = JSON.stringify({ type: "template", name: "winter_sale", language: "en", body: [] });
    await ledger.record(
      meta,
      [["base-key", base]],
      [
        {
          slot: 7,
          number: "+15550000007",
          payload: JSON.stringify({ body: ["Asha"] }),
          base: "base-key",
          skipReason: null,
        },
      ],
    );
    const [claimed] = await ledger.claim(1);
    expect(JSON.parse(claimed?.payload ?? "null")).toEqual({
      type: "template",
      name: "winter_sale",
      language: "en",
      to: "+15550000007",
      body: ["Asha"],
    });
  });

  it("releases as many claims as are waiting, and again those no consumer used in time", async () => {
    const { meta, ledger } = newLedger();
    await ledger.record(meta, [], recipients(1, 5));
    expect((await ledger.permit(3, 1_000)).granted).toBe(3);
    expect((await ledger.permit(10, 1_001)).granted).toBe(2);
    expect((await ledger.permit(10, 1_002)).granted).toBe(0);
    await ledger.claim(3);
    expect((await ledger.permit(10, 1_003)).granted).toBe(0);
    // Two released claims were never used (their queue messages lost): after the TTL they go again.
    expect((await ledger.permit(10, 40_000)).granted).toBe(2);
    await ledger.claim(2);
    await ledger.unclaim([1]);
    expect((await ledger.permit(10, 40_001)).granted).toBe(1);
    expect(await ledger.counts()).toMatchObject({ waiting: 1, queued: 5 });
  });

  it("fails what has been sending too long as an unknown outcome, each message once, first claims and later ones", async () => {
    const { meta, ledger } = newLedger();
    await ledger.record(meta, [], recipients(1, 5), 0);
    await ledger.claim(3, 1_000);
    await ledger.outcomes([{ slot: 1, ok: true, wamid: "wamid.1" }], 3, 1_100);
    await ledger.claim(2, 5_000);
    await ledger.unclaim([5]);
    await ledger.claim(1, 6_000);
    // Claimed before 2,000: slots 2 and 3 (1 has its outcome).
    expect(await ledger.sweep(2_000, 3_000)).toBe(2);
    expect(await ledger.sweep(2_000, 3_000)).toBe(0);
    // Before 7,000: slot 4 (first claim) and slot 5 (claimed again at 6,000).
    expect(await ledger.sweep(7_000, 8_000)).toBe(2);
    const rows = await ledger.page(0, 10);
    expect(rows.map((r) => [r.slot, r.state, r.error_class])).toEqual([
      [1, "sent", null],
      [2, "failed", "unknown"],
      [3, "failed", "unknown"],
      [4, "failed", "unknown"],
      [5, "failed", "unknown"],
    ]);
    expect(await ledger.unsettled()).toBe(0);
    // Meta's word still settles one of them.
    const { moves } = await ledger.statuses(meta.projectId, [{ slot: 3, change: { status: "delivered", at: 9_000 } }]);
    expect(moves).toEqual([{ slot: 3, from: "failed", to: "delivered" }]);
  });

  it("skips a cancelled run's waiting messages a page at a time, leaving those being sent", async () => {
    const { meta, ledger } = newLedger();
    await ledger.record(meta, [], recipients(1, 600));
    await ledger.claim(10);
    await ledger.unclaim([3]);
    expect(await ledger.cancel("cancelled")).toBe(500);
    expect(await ledger.cancel("cancelled")).toBe(91);
    expect(await ledger.cancel("cancelled")).toBe(0);
    expect(await ledger.claim(10)).toEqual([]);
    expect(await ledger.counts()).toMatchObject({ queued: 9, skipped: 591, waiting: 0 });
  });

  it("says which call settled the run's last message, once", async () => {
    const { meta, ledger } = newLedger();
    await ledger.record(meta, [], recipients(1, 2));
    await ledger.claim(2);
    const first = await ledger.outcomes([{ slot: 1, ok: true, wamid: "wamid.1" }], 3);
    expect(first.finished).toBe(false);
    const last = await ledger.outcomes([{ slot: 2, ok: false, error: error("unknown", null) }], 3);
    expect(last.finished).toBe(false);
    // Meta's word settles the unknown outcome, the run's last.
    const settled = await ledger.statuses(meta.projectId, [{ slot: 2, change: { status: "sent", at: 5 } }]);
    expect(settled.finished).toBe(true);
    const again = await ledger.statuses(meta.projectId, [{ slot: 2, change: { status: "delivered", at: 6 } }]);
    expect(again.finished).toBe(false);
    // Another project's webhook naming the run's messages changes nothing.
    const foreign = await ledger.statuses("prj_other", [{ slot: 1, change: { status: "read", at: 7 } }]);
    expect(foreign).toEqual({ moves: [], duplicates: [], finished: false });
    expect((await ledger.page(0, 1))[0]?.state).toBe("sent");
  });

  it("applies the statuses of many events batches at once, each move once", async () => {
    const { meta, ledger } = newLedger();
    await ledger.record(meta, [], recipients(1, 50));
    await ledger.claim(50);
    await ledger.outcomes(
      Array.from({ length: 50 }, (_, i) => ({ slot: i + 1, ok: true as const, wamid: `wamid.${i + 1}` })),
      3,
    );
    // 20 consumer invocations at once, each with every message's delivered and read (redeliveries).
    const batch = Array.from({ length: 50 }, (_, i) => [
      {
        projectId: meta.projectId,
        messageId: ledgerMessageId(meta.runRef, i + 1),
        change: { status: "delivered" as const, at: 10 },
      },
      {
        projectId: meta.projectId,
        messageId: ledgerMessageId(meta.runRef, i + 1),
        change: { status: "read" as const, at: 20 },
      },
    ]).flat();
    const left = await Promise.all(
      Array.from({ length: 20 }, () => applyLedgerStatuses(env, db(), batch, createLogger({}, "error"))),
    );
    expect(left.every((rest) => rest.length === 0)).toBe(true);
    expect(await ledger.counts()).toMatchObject({ sent: 0, delivered: 0, read: 50 });
    await eventually(
      () => ledger.pendingLog(),
      (n) => n === 0,
    );
    const stats = await env.CAMPAIGN_STATS.getByName(meta.campaignId).read();
    expect(stats.runs[meta.runId]).toMatchObject({ sent: 50, delivered: 50, read: 50 });
  });

  it("names each message by its run and slot", () => {
    expect(ledgerMessageId("42", 1_000)).toBe("msg_r42.000000rs");
    expect(parseLedgerMessageId("msg_r42.000000rs")).toEqual({ runRef: "42", slot: 1_000 });
    // A run's ids sort as their slots do.
    expect(ledgerMessageId("42", 35) < ledgerMessageId("42", 36)).toBe(true);
    for (const other of [
      "msg_0123456789abAbCdEfGh",
      "msg_r42.rs",
      "msg_r42.00000000",
      "msg_r42.0000000rs",
      "msg_r0.000000rs",
    ]) {
      expect(parseLedgerMessageId(other)).toBeNull();
    }
  });
});
