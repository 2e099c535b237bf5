import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type CampaignStats, COUNTERS, type Counts } from "../src/durable-objects/campaign-stats";

const zero: Counts = {
  queued: 0,
  sent: 0,
  delivered: 0,
  read: 0,
  sendErrors: 0,
  deliveryErrors: 0,
  notOnWhatsApp: 0,
  skipped: 0,
};

const counts = (values: Partial<Counts>): Counts => ({ ...zero, ...values });

let n = 0;
/** A stub for a campaign no other test touches. */
const stats = () => env.CAMPAIGN_STATS.getByName(`campaign-${++n}-${crypto.randomUUID()}`);

describe("CampaignStats", () => {
  it("lists exactly the counters it keeps", () => {
    expect([...COUNTERS].sort()).toEqual(Object.keys(zero).sort());
  });

  it("reads zero totals and no runs before anything is added", async () => {
    expect(await stats().read()).toEqual({ total: zero, runs: {} });
  });

  it("adds per run and sums the runs into the total", async () => {
    const stub = stats();
    await stub.add("run-1", { queued: 3, sent: 2 });
    await stub.add("run-1", { sent: 1, delivered: 2 });
    await stub.add("run-2", { queued: 5, sendErrors: 1, notOnWhatsApp: 4 });
    expect(await stub.read()).toEqual({
      runs: {
        "run-1": counts({ queued: 3, sent: 3, delivered: 2 }),
        "run-2": counts({ queued: 5, sendErrors: 1, notOnWhatsApp: 4 }),
      },
      total: counts({ queued: 8, sent: 3, delivered: 2, sendErrors: 1, notOnWhatsApp: 4 }),
    });
  });

  it("moves every counter", async () => {
    const stub = stats();
    const all = Object.fromEntries(COUNTERS.map((name, i) => [name, i + 1])) as Counts;
    await stub.add("r", all);
    await stub.add("r", all);
    const doubled = Object.fromEntries(COUNTERS.map((name, i) => [name, 2 * (i + 1)])) as Counts;
    expect(await stub.read()).toEqual({ runs: { r: doubled }, total: doubled });
  });

  it("ignores unknown counter names and keeps the known ones of the same call", async () => {
    const stub = stats();
    await stub.add("run-1", { sent: 1, clicked: 7, constructor: 1, toString: 2 } as Partial<Counts>);
    const read = await stub.read();
    expect(read).toEqual({ runs: { "run-1": counts({ sent: 1 }) }, total: counts({ sent: 1 }) });
    expect(Object.keys(read.total)).not.toContain("clicked");
  });

  it("ignores zero, fractional and non-numeric deltas; a call with nothing valid creates no run", async () => {
    const stub = stats();
    await stub.add("empty", { sent: 0, read: 1.5, delivered: "2" as unknown as number, queued: Number.NaN });
    await stub.add("empty", {});
    expect(await stub.read()).toEqual({ total: zero, runs: {} });
  });

  it("keeps each campaign's counters apart", async () => {
    const a = stats();
    const b = stats();
    await a.add("run", { sent: 1 });
    await b.add("run", { delivered: 2 });
    expect((await a.read()).total).toEqual(counts({ sent: 1 }));
    expect((await b.read()).total).toEqual(counts({ delivered: 2 }));
  });

  it("keeps its counters in durable storage across an eviction", async () => {
    const stub = stats();
    await stub.add("run-1", { queued: 2, skipped: 1 });
    await evictDurableObject(stub);
    await stub.add("run-1", { queued: 1 });
    expect(await stub.read()).toEqual({
      runs: { "run-1": counts({ queued: 3, skipped: 1 }) },
      total: counts({ queued: 3, skipped: 1 }),
    });
  });

  it("stores one row per run and counter actually moved", async () => {
    const stub = stats();
    await stub.add("run-1", { sent: 1, delivered: 1 });
    await stub.add("run-1", { sent: 1 });
    await stub.add("run-2", { sent: 1 });
    const rows = await runInDurableObject(stub, (_instance: CampaignStats, state) =>
      state.storage.sql.exec("SELECT run_id, name, value FROM counters ORDER BY run_id, name").toArray(),
    );
    expect(rows).toEqual([
      { run_id: "run-1", name: "delivered", value: 1 },
      { run_id: "run-1", name: "sent", value: 2 },
      { run_id: "run-2", name: "sent", value: 1 },
    ]);
  });
});
