import { env } from "cloudflare:workers";
import { governorFor, SendGovernor as ProjectGovernor } from "../../src/durable-objects/send-governor";
import project from "../../src/index";
import type { SendJob } from "../../src/queues/contracts";
import { nothingLeft, nothingLeftOfRun } from "../../test/delivery/nothing-left";
import { createQueueBroker, type QueueBroker } from "../../test/delivery/queue-broker";
import { queueRows } from "../../test/delivery/queue-rows";

// The pacing benchmark's Worker: the project's Worker as wrangler bundles it for deployment, with one
// more route, POST /__bench/pacing, that runs a scenario inside it. A broker playing Cloudflare
// Queues (test/delivery/queue-broker.ts) drives the real `queue` handler at up to C invocations at
// once; the number's real governor releases the run into that broker instead of the sends queue
// (whose local consumer Miniflare runs one batch at a time). Bundled rather than run in the vitest
// runtime, the isolate carries none of the test runner's load: its module runner's sources, its
// patched timers, its wrappers around every Durable Object call (docs/benchmarks.md, pacing).

export { CampaignStats, IdempotencyKeys, Outbox, RunLedger } from "../../src/index";

/** The broker of the scenario under way; the governor and the route run in the same local isolate. */
let broker: QueueBroker | null = null;

/** The project's governor, releasing into the scenario's broker. Nothing else is changed. */
export class SendGovernor extends ProjectGovernor {
  override async deliver(bodies: SendJob[]): Promise<void> {
    if (!broker) throw new Error("no pacing scenario is running in this isolate");
    broker.send(bodies);
  }
}

export interface PacingRequest {
  projectId: string;
  phoneNumberId: string;
  recipients: number;
  rate: number;
  concurrency: number;
  seconds: number;
  probeEveryMs: number;
}

/** What the Worker saw of a scenario; the sends themselves are read from the stand-in's record. */
export interface PacingRun {
  report: Omit<Awaited<ReturnType<QueueBroker["run"]>>, "deadLettered"> & { deadLettered: number };
  /** Digits of every probe's recipient, and when each probe queued (ms since the epoch). */
  probeNumbers: string[];
  queuedAt: Record<string, number>;
  stalls: number;
  stalledMs: number;
  losses: { idleMs: number; lateSends: number };
  rows: Record<string, number>;
}

/** A 10 ms timer that fires this much late means the isolate was busy or paused (garbage collection). */
const STALL_MS = 50;
// Probe numbers sit far above any broadcast recipient's.
const PROBE_BASE = 50_000_000;
const digits = (n: number) => `9198${String(n).padStart(8, "0")}`;

/**
 * Watches the isolate's event loop while a scenario runs. Locally every consumer invocation, the
 * governor and D1 share one workerd thread, so one pause stops every send at once and its slots
 * pass unused; on Cloudflare a pause holds up one invocation. Reported beside the rate.
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

async function runScenario(request: PacingRequest): Promise<PacingRun> {
  if (broker) throw new Error("a pacing scenario is already running");
  // Only the run's ids are kept: its 30,000 queue bodies would sit in the isolate's heap for the
  // whole run, lengthening every full garbage collection that pauses all the consumers here.
  const { runId, campaignId } = await queueRows(request.projectId, request.recipients, { broadcast: true });
  const maxProbes = request.probeEveryMs > 0 ? Math.floor((request.seconds * 1000) / request.probeEveryMs) : 0;
  const probes = await queueRows(request.projectId, maxProbes, { firstNumber: PROBE_BASE });
  const current = createQueueBroker({
    concurrency: request.concurrency,
    durationMs: request.seconds * 1000,
    until: nothingLeft(request.projectId),
  });
  broker = current;
  try {
    const governor = governorFor(env, request.phoneNumberId);
    await governor.feed({
      runId: runId as string,
      projectId: request.projectId,
      campaignId: campaignId as string,
      rate: request.rate,
    });
    const queuedAt: Record<string, number> = {};
    let broadcastDone = false;
    // One probe (a stored message without a run: transactional) every probeEveryMs while the broadcast sends.
    const probing = (async () => {
      let queued = 0;
      for (const [i, job] of probes.jobs.entries()) {
        if (broadcastDone) break;
        await new Promise((resolve) => setTimeout(resolve, request.probeEveryMs));
        queuedAt[digits(PROBE_BASE + i)] = Date.now();
        current.send([job]);
        queued++;
      }
      const unused = probes.jobs.slice(queued).map((j) => j.messageId);
      if (unused.length > 0) {
        await env.DB.prepare("UPDATE messages SET status = 'skipped' WHERE id IN (SELECT value FROM json_each(?))")
          .bind(JSON.stringify(unused))
          .run();
      }
    })();
    const watch = (async () => {
      const broadcastLeft = nothingLeftOfRun(runId as string);
      while (!broadcastDone && !(await broadcastLeft())) await new Promise((resolve) => setTimeout(resolve, 200));
      broadcastDone = true;
    })();
    const stopWatching = watchStalls();
    const report = await current.run();
    const stalled = stopWatching();
    const { losses } = await governor.snapshot();
    broadcastDone = true;
    await Promise.all([probing, watch]);
    return {
      report: { ...report, deadLettered: report.deadLettered.length },
      probeNumbers: probes.jobs.map((_, i) => digits(PROBE_BASE + i)),
      queuedAt,
      ...stalled,
      losses,
      rows: await rowsByStatus(request.projectId),
    };
  } finally {
    broker = null;
  }
}

export default {
  ...project,
  async fetch(request, workerEnv, ctx) {
    if (new URL(request.url).pathname !== "/__bench/pacing") return project.fetch(request, workerEnv, ctx);
    const run = await runScenario((await request.json()) as PacingRequest);
    return Response.json(run);
  },
} satisfies ExportedHandler<Env>;
