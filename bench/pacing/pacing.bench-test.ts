import { env } from "cloudflare:workers";
import { expect, inject, it } from "vitest";
import { governorFor } from "../../src/durable-objects/send-governor";
import { queueRows, sendBacklog } from "../../test/delivery/backlog.helpers";
import { busiestSecond, feedIntoBroker, nothingLeft, sendsPerSecond } from "../../test/delivery/governor.helpers";
import { createQueueBroker } from "../../test/delivery/queue-broker";
import { injectError, receivedSends } from "../../test/standin/standin.helpers";
import type { PacingScenario } from "./scenarios";

// Drives the real sends consumer (src/consumers/sends.ts) at up to C concurrent invocations,
// through a broker that plays Cloudflare Queues (test/delivery/queue-broker.ts), with the real
// per-number SendGovernor feeding a broadcast run into that broker and handing out slots, against
// the stand-in Graph API. Transactional probes (stored messages without a run) are queued during
// the broadcast and timed from queueing to the stand-in's receipt. Each scenario prints one
// `PACING {json}` line; bench/pacing.mjs reads them and prints the tables and the RESULT line.

/** What one scenario measured. Sends are counted from the stand-in's own record of the calls it received. */
export interface PacingFigures extends PacingScenario {
  /** From the first delivery to the moment nothing was left, or to the time cap. */
  windowSeconds: number;
  drained: boolean;
  /** Broadcast sends the stand-in accepted inside the window. */
  sent: number;
  /** Every accepted send of the number in the window (broadcast and probes share its rate) over the rate. */
  rateToCap: number;
  /** The most accepted sends in one second from the start, and in any sliding second. */
  maxPerSecond: number;
  maxSlidingSecond: number;
  perSecond: number[];
  /** Sends the stand-in refused (the injected 130429 answers). */
  refused: number;
  /** Accepted sends beyond one per recipient. */
  duplicates: number;
  invocations: number;
  peakConcurrency: number;
  pushBacks: number;
  deadLettered: number;
  leftInQueue: number;
  /** Message rows by status at the end. */
  rows: Record<string, number>;
  probes: number;
  /** Queueing to receipt at the stand-in, of the transactional probes (ms). */
  transactionalP50Ms: number | null;
  transactionalP99Ms: number | null;
  /** Moments the isolate ran nothing else for over STALL_MS (all consumers, the governor and D1 share one thread here). */
  stalls: number;
  stalledMs: number;
  /** Timeline time that passed with no send booked for it (the governor's own count). */
  governorIdleMs: number;
  /** Sends that woke late for their slot and took new ones (their first slots went unused). */
  lateSends: number;
}

/** A 10 ms timer that fires this much late means the isolate was busy or paused (garbage collection). */
const STALL_MS = 50;

/**
 * Watches the isolate's event loop while a scenario runs. Here every consumer invocation, the
 * governor and local D1 share one workerd thread, so one pause stops every send at once and its
 * slots pass unused; on Cloudflare a pause holds up one invocation. Reported beside the rate.
 */
function watchStalls() {
  const stalls: number[] = [];
  let last = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    const lag = now - last - 10;
    if (lag > STALL_MS) stalls.push(lag);
    last = now;
  }, 10);
  return () => {
    clearInterval(timer);
    return { stalls: stalls.length, stalledMs: stalls.reduce((sum, ms) => sum + ms, 0) };
  };
}

async function rowsByStatus(projectId: string): Promise<Record<string, number>> {
  const { results } = await env.DB.prepare(
    "SELECT status, count(*) AS n FROM messages WHERE project_id = ? GROUP BY status ORDER BY status",
  )
    .bind(projectId)
    .all<{ status: string; n: number }>();
  return Object.fromEntries(results.map((r) => [r.status, r.n]));
}

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? null;
};

// Probe numbers sit far above any broadcast recipient's (digits only, as the stand-in records them).
const PROBE_BASE = 50_000_000;
const probeNumber = (i: number) => `9198${String(PROBE_BASE + i).padStart(8, "0")}`;

async function measure(scenario: PacingScenario): Promise<PacingFigures> {
  const backlog = await sendBacklog(scenario.recipients, scenario.rate, { broadcast: true });
  if (scenario.throughputErrors > 0) {
    await injectError(backlog.account, {
      code: 130429,
      mode: "next",
      count: scenario.throughputErrors,
      endpoint: "messages",
    });
  }
  const maxProbes = scenario.probeEveryMs > 0 ? Math.floor((scenario.seconds * 1000) / scenario.probeEveryMs) : 0;
  const probes = await queueRows(backlog.projectId, maxProbes, { firstNumber: PROBE_BASE });
  const broker = createQueueBroker({
    concurrency: scenario.concurrency,
    durationMs: scenario.seconds * 1000,
    until: nothingLeft(backlog.projectId),
  });
  await feedIntoBroker(backlog, broker, scenario.rate);
  const queuedAt = new Map<string, number>();
  let broadcastDone = false;
  // One probe every probeEveryMs while the broadcast sends; probes not queued are marked skipped.
  const probing = (async () => {
    for (const [i, job] of probes.jobs.entries()) {
      if (broadcastDone) break;
      await new Promise((resolve) => setTimeout(resolve, scenario.probeEveryMs));
      queuedAt.set(probeNumber(i), Date.now());
      broker.send([job]);
    }
    const unused = probes.jobs.slice(queuedAt.size).map((j) => j.messageId);
    if (unused.length > 0) {
      await env.DB.prepare("UPDATE messages SET status = 'skipped' WHERE id IN (SELECT value FROM json_each(?))")
        .bind(JSON.stringify(unused))
        .run();
    }
  })();
  const watch = (async () => {
    const broadcastLeft = nothingLeftOfRun(backlog.runId ?? "");
    while (!(await broadcastLeft())) await new Promise((resolve) => setTimeout(resolve, 200));
    broadcastDone = true;
  })();
  const stopWatching = watchStalls();
  const report = await broker.run();
  const stalled = stopWatching();
  const { losses } = await governorFor(env, backlog.account.phoneNumberId).snapshot();
  broadcastDone = true;
  await Promise.all([probing, watch]);

  const capAt = report.startedAt + scenario.seconds * 1000;
  const all = await receivedSends(backlog.account);
  const to = (s: (typeof all)[number]) => (s.body as { to: string }).to.replace(/\D/g, "");
  const probeNumbers = new Set(probes.jobs.map((_, i) => probeNumber(i)));
  const broadcast = all.filter((s) => !probeNumbers.has(to(s)));
  const accepted = broadcast.filter((s) => s.accepted);
  const lastSend = Math.max(report.startedAt + 1, ...accepted.map((s) => s.receivedAt));
  const windowEnd = Math.min(lastSend, capAt);
  const windowSeconds = Math.max(0.001, (windowEnd - report.startedAt) / 1000);
  const inWindow = accepted.filter((s) => s.receivedAt <= windowEnd);
  const numberSends = all.filter((s) => s.accepted && s.receivedAt <= windowEnd).length;
  const perSecond = sendsPerSecond(
    all.filter((s) => s.receivedAt <= windowEnd),
    report.startedAt,
  );
  const delays = all.flatMap((s) => {
    const at = queuedAt.get(to(s));
    return at === undefined || !s.accepted ? [] : [s.receivedAt - at];
  });
  return {
    ...scenario,
    windowSeconds: Math.round(windowSeconds * 10) / 10,
    drained: report.drained,
    sent: inWindow.length,
    rateToCap: Math.round((numberSends / windowSeconds / scenario.rate) * 1000) / 1000,
    maxPerSecond: Math.max(0, ...perSecond),
    maxSlidingSecond: busiestSecond(all),
    perSecond,
    refused: all.length - all.filter((s) => s.accepted).length,
    duplicates: accepted.length - new Set(accepted.map(to)).size,
    invocations: report.invocations,
    peakConcurrency: report.peakConcurrency,
    pushBacks: report.pushBacks,
    deadLettered: report.deadLettered.length,
    leftInQueue: report.left,
    rows: await rowsByStatus(backlog.projectId),
    probes: delays.length,
    transactionalP50Ms: percentile(delays, 50),
    transactionalP99Ms: percentile(delays, 99),
    ...stalled,
    governorIdleMs: losses.idleMs,
    lateSends: losses.lateSends,
  };
}

/** True once none of the run's messages is queued or sending. */
const nothingLeftOfRun = (runId: string) => async () => {
  const row = await env.DB.prepare(
    "SELECT EXISTS (SELECT 1 FROM messages WHERE run_id = ? AND status IN ('queued', 'sending')) AS left",
  )
    .bind(runId)
    .first<{ left: number }>();
  return row?.left === 0;
};

for (const scenario of inject("pacingScenarios")) {
  it(`${scenario.recipients} recipients, ${scenario.name}, cap ${scenario.seconds} s`, async () => {
    const figures = await measure(scenario);
    console.log(`PACING ${JSON.stringify(figures)}`);
    // A benchmark, not a test: it only refuses to report a run that sent anyone twice.
    expect(figures.duplicates).toBe(0);
  });
}
