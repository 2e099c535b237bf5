import { env } from "cloudflare:workers";
import { SendGovernor as ProjectGovernor } from "../../src/durable-objects/send-governor";
import { runLedger } from "../../src/features/run-ledger";
import project from "../../src/index";
import type { SendJob } from "../../src/queues/contracts";
import { nothingLeft } from "../../test/delivery/nothing-left";
import { createQueueBroker, type QueueBroker } from "../../test/delivery/queue-broker";

// The fan-out benchmark's Worker: the project's Worker as wrangler bundles it, with two more routes.
// The run is started through the public API and fanned out by the real jobs consumer on Miniflare's
// local queue; only the sends queue is played by a broker that runs the real `queue` handler at up
// to C invocations at once, as Cloudflare scales a consumer out on a backlog. Miniflare's local
// consumer takes one batch at a time, which caps the sending rate at what one invocation does
// (docs/benchmarks.md, fanout). The governor is the project's own; it releases into the broker.

export { CampaignStats, IdempotencyKeys, Outbox, RunLedger } from "../../src/index";

let broker: QueueBroker | null = null;

export class SendGovernor extends ProjectGovernor {
  override async deliver(bodies: SendJob[]): Promise<void> {
    if (!broker) throw new Error("no fan-out scenario is running in this isolate");
    broker.send(bodies);
  }
}

export interface FanoutSendsRequest {
  projectId: string;
  concurrency: number;
  seconds: number;
}

/** True once one of the project's runs has ended and none of its messages waits to be sent. */
const runOver = (projectId: string) => {
  const nothing = nothingLeft(projectId);
  return async () => {
    const ended = await env.DB.prepare(
      "SELECT EXISTS (SELECT 1 FROM runs WHERE project_id = ? AND status IN ('completed', 'cancelled', 'failed')) AS ended",
    )
      .bind(projectId)
      .first<{ ended: number }>();
    return ended?.ended === 1 && (await nothing());
  };
};

async function playSends(request: FanoutSendsRequest) {
  if (broker) throw new Error("a fan-out scenario is already running");
  const current = createQueueBroker({
    concurrency: request.concurrency,
    durationMs: request.seconds * 1000,
    until: runOver(request.projectId),
  });
  broker = current;
  try {
    const report = await current.run();
    return { ...report, deadLettered: report.deadLettered.length };
  } finally {
    broker = null;
  }
}

/**
 * The run's messages: how many, how many distinct numbers, how many settled, wherever the run keeps
 * them (D1's messages table, or its own object).
 */
async function runRows(runId: string) {
  const run = await env.DB.prepare("SELECT coalesce(ref, id) AS ref, ledger FROM runs WHERE id = ?")
    .bind(runId)
    .first<{ ref: string; ledger: string | null }>();
  if (run?.ledger !== "object") {
    return env.DB.prepare(
      "SELECT count(*) AS n, count(DISTINCT number) AS d, count(*) FILTER (WHERE status NOT IN ('queued', 'sending')) AS done FROM messages WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?)",
    )
      .bind(runId)
      .first<{ n: number; d: number; done: number }>();
  }
  const numbers = new Set<string>();
  let n = 0;
  let done = 0;
  const ledger = runLedger(env, run.ref);
  for (let after = 0; ; ) {
    const page = await ledger.page(after, 500);
    for (const row of page) {
      n++;
      numbers.add(row.number);
      if (row.state !== "queued" && row.state !== "sending") done++;
    }
    if (page.length < 500) break;
    after = page.at(-1)?.slot ?? after;
  }
  return { n, d: numbers.size, done };
}

export default {
  ...project,
  async fetch(request, workerEnv, ctx) {
    const path = new URL(request.url).pathname;
    // Answered while the broker runs: the run may be started once this says true.
    if (path === "/__bench/fanout/ready") return Response.json({ ready: broker !== null });
    if (path === "/__bench/fanout/rows")
      return Response.json(await runRows(new URL(request.url).searchParams.get("runId") ?? ""));
    if (path === "/__bench/fanout/sends") {
      return Response.json(await playSends((await request.json()) as FanoutSendsRequest));
    }
    return project.fetch(request, workerEnv, ctx);
  },
} satisfies ExportedHandler<Env>;
