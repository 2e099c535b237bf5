import { env } from "cloudflare:workers";
import { expect, inject, it } from "vitest";
import { sendBacklog } from "../../test/delivery/backlog.helpers";
import { createQueueBroker } from "../../test/delivery/queue-broker";
import { injectError, receivedSends } from "../../test/standin/standin.helpers";
import type { PacingScenario } from "./scenarios";

// Drives the real sends consumer (src/consumers/sends.ts: the per-number SendGovernor, the Meta
// provider) at C concurrent invocations, through a broker that plays Cloudflare Queues
// (test/delivery/queue-broker.ts), against the stand-in Graph API. Each scenario prints one
// `PACING {json}` line; bench/pacing.mjs reads them and prints the tables and the RESULT line.

/** What one scenario measured. Sends are counted from the stand-in's own record of the calls it received. */
export interface PacingFigures extends PacingScenario {
  /** From the first delivery to the moment nothing was left, or to the time cap. */
  windowSeconds: number;
  drained: boolean;
  /** Sends the stand-in accepted inside the window. */
  sent: number;
  /** Sends accepted after the cap, by invocations that were already under way. */
  sentAfterCap: number;
  rateToCap: number;
  maxPerSecond: number;
  /** Accepted sends in each wall-clock second of the window, from its start. */
  perSecond: number[];
  /** Sends the stand-in refused (the injected 130429 answers). */
  refused: number;
  /** Accepted sends beyond one per recipient. */
  duplicates: number;
  invocations: number;
  /** The most invocations that really ran at once (a backlog of N fills at most N / 100). */
  peakConcurrency: number;
  pushBacks: number;
  deadLettered: number;
  /** Messages still in the broker when it stopped. */
  leftInQueue: number;
  /** Message rows by status at the end. */
  rows: Record<string, number>;
}

async function rowsByStatus(projectId: string): Promise<Record<string, number>> {
  const { results } = await env.DB.prepare(
    "SELECT status, count(*) AS n FROM messages WHERE project_id = ? GROUP BY status ORDER BY status",
  )
    .bind(projectId)
    .all<{ status: string; n: number }>();
  return Object.fromEntries(results.map((r) => [r.status, r.n]));
}

async function measure(scenario: PacingScenario): Promise<PacingFigures> {
  const backlog = await sendBacklog(scenario.recipients, scenario.rate);
  if (scenario.throughputErrors > 0) {
    await injectError(backlog.account, {
      code: 130429,
      mode: "next",
      count: scenario.throughputErrors,
      endpoint: "messages",
    });
  }
  const broker = createQueueBroker({ concurrency: scenario.concurrency, durationMs: scenario.seconds * 1000 });
  broker.send(backlog.jobs);
  const report = await broker.run();

  const capAt = report.startedAt + scenario.seconds * 1000;
  const windowEnd = report.drained ? Math.min(report.endedAt, capAt) : capAt;
  const windowSeconds = Math.max(0.001, (windowEnd - report.startedAt) / 1000);
  const sends = await receivedSends(backlog.account);
  const accepted = sends.filter((s) => s.accepted);
  const inWindow = accepted.filter((s) => s.receivedAt <= windowEnd);
  const perSecond = Array.from({ length: Math.ceil(windowSeconds) }, () => 0);
  for (const send of inWindow) {
    const second = Math.max(0, Math.min(perSecond.length - 1, Math.floor((send.receivedAt - report.startedAt) / 1000)));
    perSecond[second] = (perSecond[second] ?? 0) + 1;
  }
  const recipients = new Set(accepted.map((s) => (s.body as { to: string }).to));
  return {
    ...scenario,
    windowSeconds: Math.round(windowSeconds * 10) / 10,
    drained: report.drained,
    sent: inWindow.length,
    sentAfterCap: accepted.length - inWindow.length,
    rateToCap: Math.round((inWindow.length / windowSeconds / scenario.rate) * 1000) / 1000,
    maxPerSecond: Math.max(0, ...perSecond),
    perSecond,
    refused: sends.length - accepted.length,
    duplicates: accepted.length - recipients.size,
    invocations: report.invocations,
    peakConcurrency: report.peakConcurrency,
    pushBacks: report.pushBacks,
    deadLettered: report.deadLettered.length,
    leftInQueue: report.left,
    rows: await rowsByStatus(backlog.projectId),
  };
}

for (const scenario of inject("pacingScenarios")) {
  it(`${scenario.recipients} recipients at ${scenario.rate}/s, ${scenario.name}, cap ${scenario.seconds} s`, async () => {
    const figures = await measure(scenario);
    console.log(`PACING ${JSON.stringify(figures)}`);
    // A benchmark, not a test of today's pacing: it only refuses to report a run that sent twice.
    expect(figures.duplicates).toBe(0);
  });
}
