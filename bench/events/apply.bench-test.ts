import { env } from "cloudflare:workers";
import { expect, inject, it } from "vitest";
import { outbox } from "../../src/features/outbox";
import { campaignStats } from "../../src/features/stats/record";
import { statusWebhook } from "../../standin/graph-api/webhooks";
import { measureD1 } from "../../test/d1-cost";
import { sendBacklog } from "../../test/delivery/backlog.helpers";
import { createQueueBroker } from "../../test/delivery/queue-broker";
import { loggedAsQueued } from "../../test/delivery/queue-rows";
import type { EventsScenario } from "./scenario";

// The events consumer draining a backlog: a broadcast run's messages, as its sends left them
// (`sending`, Meta's wamid known), and their sent, delivered and read statuses, 10% of them twice,
// shuffled, already on the events queue as the webhook route puts them (one status per payload).
// The real Worker `queue` handler drains them through a broker that plays Cloudflare Queues at up
// to C invocations at once; then the ledger's outbox hands the history to the campaign's counters.
// Prints one `EVENTS {json}` line; bench/events.mjs reads it.

const DUPLICATE_SHARE = 0.1;
const STATUSES = ["sent", "delivered", "read"] as const;

interface EventsFigures extends EventsScenario {
  events: number;
  duplicates: number;
  /** From the broker's start until every event was acknowledged. */
  drainMs: number;
  appliedEventsPerSec: number;
  /** From the broker's start until the campaign's counters were exact (the outbox's hand-over included). */
  countedMs: number;
  invocations: number;
  peakConcurrency: number;
  pushBacks: number;
  deadLettered: number;
  /** D1 statements and rows read, per event, while the queue drained. */
  statementsPerEvent: number;
  rowsReadPerEvent: number;
  final: Record<string, number>;
  countersExact: boolean;
}

function shuffle<T>(list: T[]): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [list[i], list[j]] = [list[j], list[i]] as [T, T];
  }
  return list;
}

async function measure(scenario: EventsScenario): Promise<EventsFigures> {
  const backlog = await sendBacklog(scenario.messages, 1000, { broadcast: true });
  const runId = backlog.runId as string;
  const campaignId = backlog.campaignId as string;
  const now = Date.now();
  // As the sends left them: claimed (steps `queued`, `sending`), Meta's answer not yet applied.
  await env.DB.batch([
    env.DB.prepare(
      "UPDATE messages SET status = 'sending', attempts = 1, claimed_at = ?2, wamid = 'wamid.' || id WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?1)",
    ).bind(runId, now),
    ...loggedAsQueued(runId, "qc"),
  ]);
  await outbox(env).drain();
  // One queue body per status, as the webhook route queues a verified part, built as Meta sends it.
  const account = { ...backlog.account, autoApprove: true, displayPhoneNumber: "15550000000" };
  const bodies = backlog.jobs.flatMap((job) =>
    STATUSES.map((status) => ({
      projectId: backlog.projectId,
      payload: statusWebhook(account, {
        wamid: `wamid.${job.messageId}`,
        status,
        recipient: "919800000000",
        category: "utility",
        callbackData: `${job.messageId}||`,
      }),
    })),
  );
  const duplicates = bodies.filter(() => Math.random() < DUPLICATE_SHARE);
  const events = shuffle([...bodies, ...duplicates]);
  const broker = createQueueBroker({ queue: "wa-campaigns-events", concurrency: scenario.concurrency });
  broker.send(events);
  const { result: report, cost } = await measureD1(env.DB, () => broker.run());
  const drainMs = report.endedAt - report.startedAt;
  const expected = {
    queued: scenario.messages,
    sent: scenario.messages,
    delivered: scenario.messages,
    read: scenario.messages,
  };
  let final: Record<string, number> = {};
  for (;;) {
    await outbox(env).drain();
    const total = (await campaignStats(env, campaignId).read()).total as unknown as Record<string, number>;
    final = Object.fromEntries(Object.keys(expected).map((k) => [k, total[k] ?? 0]));
    if (JSON.stringify(final) === JSON.stringify(expected) || Date.now() - report.startedAt > 300_000) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const countedMs = Date.now() - report.startedAt;
  return {
    ...scenario,
    events: events.length,
    duplicates: duplicates.length,
    drainMs,
    appliedEventsPerSec: Math.round(events.length / (drainMs / 1000)),
    countedMs,
    invocations: report.invocations,
    peakConcurrency: report.peakConcurrency,
    pushBacks: report.pushBacks,
    deadLettered: report.deadLettered.length,
    statementsPerEvent: Math.round((cost.statements / events.length) * 1000) / 1000,
    rowsReadPerEvent: Math.round((cost.rowsRead / events.length) * 10) / 10,
    final,
    countersExact: JSON.stringify(final) === JSON.stringify(expected),
  };
}

it("drains a backlog of status events", async () => {
  const figures = await measure(inject("eventsScenario"));
  console.log(`EVENTS ${JSON.stringify(figures)}`);
  // A benchmark, not a test: it only refuses to report a run whose counters are wrong.
  expect(figures.countersExact).toBe(true);
});
