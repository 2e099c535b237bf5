import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { governorFor } from "../../src/durable-objects/send-governor";
import { injectError, receivedSends } from "../standin/standin.helpers";
import { queueRows, type SendBacklog, sendBacklog } from "./backlog.helpers";
import { feedIntoBroker } from "./governor.helpers";
import { nothingLeft } from "./nothing-left";
import { createQueueBroker } from "./queue-broker";
import { busiestSecond, sendsPerSecond } from "./send-times";

// The sends consumer as Cloudflare runs it: many invocations at once (up to 250 on a backlog),
// each with its own batch, all asking one number's governor for slots. The broker plays the queue
// (test/delivery/queue-broker.ts); the governor, the consumer and the stand-in are the real ones.
// Small runs at a modest rate keep this under a minute; `npm run bench -- pacing` runs the same
// at Cloudflare's sizes.

const RATE = 40;
const RECIPIENTS = 320;

/** A broker over the backlog's project at C invocations of `batchSize`, stopping once nothing is left. */
const brokerFor = (backlog: SendBacklog, concurrency: number, batchSize: number, durationMs = 60_000) =>
  createQueueBroker({ concurrency, maxBatchSize: batchSize, durationMs, until: nothingLeft(backlog.projectId) });

async function statuses(projectId: string) {
  const { results } = await env.DB.prepare(
    "SELECT status, count(*) AS n FROM messages WHERE project_id = ? GROUP BY status",
  )
    .bind(projectId)
    .all<{ status: string; n: number }>();
  return Object.fromEntries(results.map((r) => [r.status, r.n]));
}

describe("pacing under concurrent consumer invocations", { timeout: 90_000 }, () => {
  for (const [concurrency, batchSize] of [
    [1, 100],
    [25, 4],
    [250, 1],
  ] as const) {
    it(`sends a broadcast once each, at the number's rate, at C = ${concurrency}`, async () => {
      const backlog = await sendBacklog(RECIPIENTS, RATE, { broadcast: true });
      const broker = brokerFor(backlog, concurrency, batchSize);
      await feedIntoBroker(backlog, broker, RATE);
      const report = await broker.run();

      const sends = await receivedSends(backlog.account);
      expect(report.drained).toBe(true);
      expect(report.deadLettered).toEqual([]);
      // Pacing never hands a message back to the queue.
      expect(report.pushBacks).toBe(0);
      expect(sends).toHaveLength(RECIPIENTS);
      expect(new Set(sends.map((s) => (s.body as { to: string }).to)).size).toBe(RECIPIENTS);
      expect(await statuses(backlog.projectId)).toEqual({ sent: RECIPIENTS });
      expect(Math.max(...sendsPerSecond(sends, report.startedAt))).toBeLessThanOrEqual(RATE);
      expect(busiestSecond(sends)).toBeLessThanOrEqual(RATE + 1);
      // And it keeps up: the whole run at 0.8 of the rate or better, start-up included.
      expect(RECIPIENTS / ((report.endedAt - report.startedAt) / 1000)).toBeGreaterThan(RATE * 0.8);
    });
  }

  it("slows down once per burst of throughput errors (130429), never above the rate, at C = 25", async () => {
    const backlog = await sendBacklog(RECIPIENTS, RATE, { broadcast: true });
    await injectError(backlog.account, { code: 130429, mode: "next", count: 4, endpoint: "messages" });
    const broker = brokerFor(backlog, 25, 4);
    await feedIntoBroker(backlog, broker, RATE);
    const report = await broker.run();

    const sends = await receivedSends(backlog.account);
    expect(report.deadLettered).toEqual([]);
    expect(sends.filter((s) => s.accepted)).toHaveLength(RECIPIENTS);
    expect(sends.filter((s) => !s.accepted)).toHaveLength(4);
    expect(await statuses(backlog.projectId)).toEqual({ sent: RECIPIENTS });
    expect(Math.max(...sendsPerSecond(sends, report.startedAt))).toBeLessThanOrEqual(RATE);
    // Four errors in one burst halve the rate once (to a half, not a sixteenth), and it recovers.
    const { pace } = await governorFor(env, backlog.account.phoneNumberId).snapshot();
    expect(pace.factor).toBeGreaterThanOrEqual(0.5);
    // Only the four refused messages went back to the queue, each after a provider call.
    expect(report.pushBacks).toBe(4);
  });

  it("puts an API send ahead of a running broadcast on the same number", async () => {
    const backlog = await sendBacklog(RECIPIENTS, RATE, { broadcast: true });
    const broker = brokerFor(backlog, 25, 4);
    await feedIntoBroker(backlog, broker, RATE);
    // Transactional messages (no run) queued one a second while the broadcast sends.
    const transactional = await queueRows(backlog.projectId, 6, { firstNumber: 900_000 });
    const queuedAt = new Map<string, number>();
    const drip = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      for (const job of transactional.jobs) {
        const to = `9198${String(900_000 + transactional.jobs.indexOf(job)).padStart(8, "0")}`;
        queuedAt.set(to, Date.now());
        broker.send([job]);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    })();
    const report = await broker.run();
    await drip;

    const sends = await receivedSends(backlog.account);
    expect(report.deadLettered).toEqual([]);
    expect(sends).toHaveLength(RECIPIENTS + transactional.jobs.length);
    const delays = sends.flatMap((s) => {
      const at = queuedAt.get((s.body as { to: string }).to.replace(/\D/g, ""));
      return at === undefined ? [] : [s.receivedAt - at];
    });
    expect(delays).toHaveLength(transactional.jobs.length);
    // The broadcast's lead in the queue is about a second of sends.
    expect(Math.max(...delays)).toBeLessThan(2_000);
    expect(Math.max(...sendsPerSecond(sends, report.startedAt))).toBeLessThanOrEqual(RATE);
  });
});

describe("a whole run poured onto the queue at Cloudflare's concurrency", { timeout: 90_000 }, () => {
  // What the fan-out did before the governor fed runs, and what a version of the Worker that
  // re-enqueues a resumed run still leaves: every message on the queue at once. At 10/s, 250
  // invocations of one message each hold 25 s of sends; none may be pushed back or lost for it.
  it("parks what cannot start soon instead of pushing it back, and sends each once at the rate", async () => {
    const rate = 10;
    const backlog = await sendBacklog(250, rate, { broadcast: true });
    const broker = brokerFor(backlog, 250, 1, 80_000);
    // Parked sends come back through the broker too.
    await feedIntoBroker(backlog, broker, rate, { feed: false });
    broker.send(backlog.jobs);
    const report = await broker.run();

    const sends = await receivedSends(backlog.account);
    expect(report.deadLettered).toEqual([]);
    expect(report.pushBacks).toBe(0);
    expect(report.drained).toBe(true);
    expect(sends).toHaveLength(250);
    expect(await statuses(backlog.projectId)).toEqual({ sent: 250 });
    expect(Math.max(...sendsPerSecond(sends, report.startedAt))).toBeLessThanOrEqual(rate);
  });
});
