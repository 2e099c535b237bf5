import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type CampaignStats, COUNTERS, type Counts, rate, withRates } from "../../src/durable-objects/campaign-stats";
import { stats as counts, ZERO as zero } from "./stats.helpers";

let n = 0;
/** A stub for a campaign no other test touches. */
const stats = () => env.CAMPAIGN_STATS.getByName(`campaign-${++n}-${crypto.randomUUID()}`);

describe("CampaignStats", () => {
  it("lists exactly the counters it keeps", () => {
    expect([...COUNTERS].sort()).toEqual(Object.keys(zero).sort());
  });

  it("reads zero totals and no runs before anything is added", async () => {
    expect(await stats().read()).toEqual({ total: counts({}), runs: {} });
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
    const doubled = withRates(Object.fromEntries(COUNTERS.map((name, i) => [name, 2 * (i + 1)])) as Counts);
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
    expect(await stub.read()).toEqual({ total: counts({}), runs: {} });
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

describe("CampaignStats rates", () => {
  it.each([
    [2, 3, 0.6667],
    [1, 3, 0.3333],
    [1, 8, 0.125],
    [3, 3, 1],
    [0, 5, 0],
    [0, 0, 0],
    [4, 0, 0],
    [1, 30_000, 0],
    [2, 1, 1],
  ])("rate(%i, %i) = %d", (numerator, denominator, expected) => {
    expect(rate(numerator, denominator)).toBe(expected);
  });

  it("reads deliveryRate = delivered / sent and readRate = read / delivered, per run and in total", async () => {
    const stub = stats();
    await stub.add("a", { sent: 3, delivered: 2, read: 1 });
    await stub.add("b", { sent: 1, sendErrors: 4 });
    const read = await stub.read();
    expect(read.runs.a).toMatchObject({ deliveryRate: 0.6667, readRate: 0.5 });
    expect(read.runs.b).toMatchObject({ deliveryRate: 0, readRate: 0 });
    expect(read.total).toEqual({
      ...zero,
      sent: 4,
      delivered: 2,
      read: 1,
      sendErrors: 4,
      deliveryRate: 0.5,
      readRate: 0.5,
    });
  });
});

describe("CampaignStats.addMany", () => {
  it("adds several runs' deltas in one call, skipping malformed entries", async () => {
    const stub = stats();
    await stub.addMany([
      { runId: "run-1", deltas: { queued: 2 } },
      { runId: "run-2", deltas: { queued: 1, skipped: 1 } },
      { runId: "run-1", deltas: { sent: 1 } },
      { runId: "", deltas: { queued: 9 } },
      { runId: 7 as unknown as string, deltas: { queued: 9 } },
      { runId: "run-3", deltas: null as unknown as Partial<Counts> },
    ]);
    expect(await stub.read()).toEqual({
      runs: { "run-1": counts({ queued: 2, sent: 1 }), "run-2": counts({ queued: 1, skipped: 1 }) },
      total: counts({ queued: 3, sent: 1, skipped: 1 }),
    });
  });

  it("writes each counter a call moves once, however many entries move it", async () => {
    const stub = stats();
    const writes = await runInDurableObject(stub, (instance: CampaignStats, state) => {
      const sql = state.storage.sql;
      const exec = sql.exec.bind(sql);
      let counted = 0;
      sql.exec = ((query: string, ...bindings: unknown[]) => {
        if (query.startsWith("INSERT INTO counters")) counted++;
        return exec(query, ...bindings);
      }) as typeof sql.exec;
      try {
        // A drain of 100 sends: a history row each for sending and sent, as the ledger brings them.
        instance.addMany(
          Array.from({ length: 100 }, (_, i) => [
            { runId: "run-1", deltas: { queued: -1, sending: 1 }, eventId: 2 * i + 1 },
            { runId: "run-1", deltas: { sending: -1, sent: 1 }, eventId: 2 * i + 2 },
          ]).flat(),
        );
      } finally {
        sql.exec = exec;
      }
      return counted;
    });
    // queued -100 and sent +100; sending came and went within the call.
    expect(writes).toBe(2);
    expect((await stub.read()).runs["run-1"]).toEqual(counts({ queued: -100, sent: 100 }));
  });

  it("applies all of a call or nothing of it", async () => {
    const stub = stats();
    await stub.add("run-1", { queued: 1 });
    const error = await runInDurableObject(stub, (instance: CampaignStats, state) => {
      const sql = state.storage.sql;
      const exec = sql.exec.bind(sql);
      let writes = 0;
      // The third write of the call fails, after two have been made.
      sql.exec = ((query: string, ...bindings: unknown[]) => {
        if (query.startsWith("INSERT") && ++writes === 3) throw new Error("disk full");
        return exec(query, ...bindings);
      }) as typeof sql.exec;
      try {
        instance.addMany([
          { runId: "run-1", deltas: { sent: 1, delivered: 1 } },
          { runId: "run-2", deltas: { queued: 1 } },
        ]);
        return null;
      } catch (err) {
        return (err as Error).message;
      } finally {
        sql.exec = exec;
      }
    });
    expect(error).toBe("disk full");
    expect(await stub.read()).toEqual({ runs: { "run-1": counts({ queued: 1 }) }, total: counts({ queued: 1 }) });
  });
});

/** Opens a WebSocket straight on the object and collects its text messages. */
async function openSocket(stub: DurableObjectStub<CampaignStats>) {
  const response = await stub.fetch("https://campaign-stats.internal/live", { headers: { Upgrade: "websocket" } });
  expect(response.status).toBe(101);
  const ws = response.webSocket;
  if (!ws) throw new Error("no WebSocket on a 101 response");
  const pending: string[] = [];
  const waiting: ((text: string) => void)[] = [];
  ws.addEventListener("message", (event) => {
    const text = String(event.data);
    const waiter = waiting.shift();
    if (waiter) waiter(text);
    else pending.push(text);
  });
  ws.accept();
  const next = () => {
    const ready = pending.shift();
    return ready !== undefined ? Promise.resolve(ready) : new Promise<string>((resolve) => waiting.push(resolve));
  };
  return { ws, next, nextJson: async () => JSON.parse(await next()) as unknown };
}

describe("CampaignStats live updates", () => {
  it("answers a request that is not a WebSocket upgrade with 426", async () => {
    const response = await stats().fetch("https://campaign-stats.internal/live");
    expect(response.status).toBe(426);
    expect(response.headers.get("upgrade")).toBe("websocket");
    expect(await response.text()).toBe("expected a WebSocket upgrade");
  });

  it("sends the counters on connect and once per add or addMany call that moves a counter", async () => {
    const stub = stats();
    await stub.add("run-1", { queued: 1 });
    const socket = await openSocket(stub);
    expect(await socket.nextJson()).toEqual({
      type: "stats",
      total: counts({ queued: 1 }),
      runs: { "run-1": counts({ queued: 1 }) },
    });
    // The minute the moves happened in: each update carries the minutes it moved.
    const minute = Date.now() - (Date.now() % 60_000);
    const at = new Date(minute).toISOString();
    await stub.addMany([
      { runId: "run-1", deltas: { sent: 1 }, at: minute + 1 },
      { runId: "run-2", deltas: { queued: 1 }, at: minute + 2 },
    ]);
    await stub.add("run-1", {}); // moves nothing: no message
    await stub.addMany([{ runId: "run-2", deltas: { sent: 1 }, at: minute + 3 }]);
    const point = (sent: number) => ({ at, sent, delivered: 0, read: 0, failed: 0 });
    expect(await socket.nextJson()).toEqual({
      type: "stats",
      total: counts({ queued: 2, sent: 1 }),
      runs: { "run-1": counts({ queued: 1, sent: 1 }), "run-2": counts({ queued: 1 }) },
      series: { total: [point(1)], runs: { "run-1": [point(1)] } },
    });
    expect(await socket.nextJson()).toEqual({
      type: "stats",
      total: counts({ queued: 2, sent: 2 }),
      runs: { "run-1": counts({ queued: 1, sent: 1 }), "run-2": counts({ queued: 1, sent: 1 }) },
      // The whole minute: every run's point in it, not only the run that moved.
      series: { total: [point(2)], runs: { "run-1": [point(1)], "run-2": [point(1)] } },
    });
    socket.ws.send("ping");
    expect(await socket.next()).toBe("pong");
    socket.ws.close(1000, "done");
  });

  it("keeps its sockets through an eviction (hibernation) and still updates them", async () => {
    const stub = stats();
    const socket = await openSocket(stub);
    expect(await socket.nextJson()).toEqual({ type: "stats", total: counts({}), runs: {} });
    await evictDurableObject(stub);
    await stub.add("run-1", { read: 1 });
    // Without a time, the move counts in the minute the object received it.
    const point = { at: expect.stringMatching(/:00\.000Z$/), sent: 0, delivered: 0, read: 1, failed: 0 };
    expect(await socket.nextJson()).toEqual({
      type: "stats",
      total: counts({ read: 1 }),
      runs: { "run-1": counts({ read: 1 }) },
      series: { total: [point], runs: { "run-1": [point] } },
    });
    socket.ws.close(1000, "done");
  });

  it("completes the closing handshake a client starts", async () => {
    const stub = stats();
    const socket = await openSocket(stub);
    await socket.next();
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      socket.ws.addEventListener("close", (event) => resolve({ code: event.code, reason: event.reason })),
    );
    socket.ws.close(4000, "bye");
    expect(await closed).toEqual({ code: 4000, reason: "bye" });
  });
});
