import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, inject, it } from "vitest";
import { governorFor, type SendGovernor } from "../../src/durable-objects/send-governor";
import { outbox } from "../../src/features/outbox";
import { failD1 } from "../../test/d1-faults";
import { sendBacklog } from "../../test/delivery/backlog.helpers";
import { createQueueBroker } from "../../test/delivery/queue-broker";
import { loggedAsQueued } from "../../test/delivery/queue-rows";
import { messagesValue, payloadOf, postSigned, text } from "../../test/inbound/inbound.helpers";
import { clearErrors, injectError, receivedSends, type StandInAccount } from "../../test/standin/standin.helpers";
import { countWhere, recover, waitFor } from "./recover";
import type { FaultsScenario } from "./scenario";

// 20,000 sends of one broadcast run through the real sends consumer (a broker playing Cloudflare
// Queues, up to C invocations at once), the real governor, outbox and statistics objects and local
// D1, to the stand-in Graph API, with about `share` of each fault injected: answers lost after Meta
// took the send (time-out, reset, gateway 504), Meta refusing with a retryable error, the queue
// delivering a send twice, D1 failing claims, outcome batches, the outbox's reads and opt-out
// writes, and STOP opt-outs arriving meanwhile. Then Meta's word and the cron recover, and the run
// is judged. The same run without faults is measured first, as the baseline. Prints one
// `FAULTS {json}` line per run; bench/faults.mjs prints the tables and the RESULT line.

const digits = (number: string) => number.replace(/\D/g, "");

/** Stand-in faults, each on every n-th send (different primes, so they seldom land on one send). */
async function injectProviderFaults(account: StandInAccount, share: number) {
  const every = (prime: number) => Math.max(2, Math.round(1 / share / prime) * prime || prime);
  const faults = [
    { fault: "truncate" as const, count: every(19) },
    { fault: "gateway" as const, count: every(23) },
    // Held past the 5 s the test runtime gives a Graph API call.
    { fault: "hang" as const, count: every(29), holdMs: 6_000 },
  ];
  for (const f of faults) await injectError(account, { code: 0, mode: "every", endpoint: "messages", ...f });
  // Meta refusing (nothing sent): retried through the queue. 131000, not 130429, so the pace holds.
  await injectError(account, { code: 131000, mode: "every", count: every(17), endpoint: "messages" });
}

function injectD1Faults(share: number) {
  return {
    claims: failD1(env.DB, /update "messages" set "status" = \?, "attempts"/, Infinity, share),
    outcomes: failD1(env.DB, /update "messages" set "status" = iif\(/, Infinity, share),
    outbox: failD1(env.DB, /SELECT l\.id, j\.value AS entry/, Infinity, share),
    optOuts: failD1(env.DB, /insert into "contacts"/, Infinity, share),
  };
}

/** Recipients who send STOP while the run sends: every k-th of the run, a few per webhook. */
async function postStops(account: StandInAccount, numbers: string[], spreadMs: number) {
  const batches: string[][] = [];
  for (let i = 0; i < numbers.length; i += 10) batches.push(numbers.slice(i, i + 10));
  for (const batch of batches) {
    await new Promise((resolve) => setTimeout(resolve, spreadMs / Math.max(1, batches.length)));
    const value = messagesValue(
      batch.map((n) => text("STOP", { from: digits(n), at: Math.floor(Date.now() / 1000) })),
      account.phoneNumberId,
    );
    await postSigned(account.appSecret, payloadOf(account.wabaId, "messages", value));
  }
}

async function runOnce(scenario: FaultsScenario, faulty: boolean) {
  const backlog = await sendBacklog(scenario.sends, scenario.rate, { broadcast: true });
  const runId = backlog.runId as string;
  const campaignId = backlog.campaignId as string;
  // The rows as a fan-out records them: their `queued` step and its log row, counted by the outbox.
  await env.DB.batch(loggedAsQueued(runId));
  while ((await outbox(env).drain()) > 0) {
    // Counted before the clock starts.
  }
  if (faulty) await injectProviderFaults(backlog.account, scenario.share);
  const d1 = faulty ? injectD1Faults(scenario.share) : null;

  const broker = createQueueBroker({
    concurrency: scenario.concurrency,
    durationMs: 600_000,
    until: async () =>
      (await countWhere(
        "SELECT count(*) AS n FROM messages WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?) AND status = 'queued'",
        runId,
      )) === 0,
  });
  let duplicated = 0;
  const stub = governorFor(env, backlog.account.phoneNumberId);
  await runInDurableObject(stub, (governor: SendGovernor) => {
    governor.deliver = async (bodies) => {
      broker.send(bodies);
      if (!faulty) return;
      // The queue delivering a send twice: a second copy of some of what the governor released.
      const twice = bodies.filter(() => Math.random() < scenario.share);
      duplicated += twice.length;
      broker.send(twice);
    };
  });
  await stub.feed({ runId, projectId: backlog.projectId, campaignId, rate: scenario.rate });
  const stopNumbers = backlog.jobs
    .filter((_, i) => i % Math.round(1 / scenario.stopShare) === 0)
    .map((_, i) => `+9198${String(i * Math.round(1 / scenario.stopShare)).padStart(8, "0")}`);
  const stops = postStops(backlog.account, stopNumbers, (scenario.sends / scenario.rate) * 500);
  const report = await broker.run();
  await stops;

  for (const fault of Object.values(d1 ?? {})) fault.clear();
  if (faulty) await clearErrors(backlog.account);
  const sends = await receivedSends(backlog.account);
  const { reported, swept } = await recover(backlog.account, runId, sends);
  const optedOut = () =>
    countWhere(
      "SELECT count(*) AS n FROM contacts WHERE project_id = ? AND opted_out = 1 AND number IN (SELECT value FROM json_each(?))",
      backlog.projectId,
      JSON.stringify(stopNumbers),
    );
  await waitFor(async () => (await optedOut()) === stopNumbers.length, 120_000);
  const recount = await outbox(env).recount(campaignId);
  const differences = Object.keys({ ...recount.before.runs, ...recount.after.runs }).filter(
    (run) => JSON.stringify(recount.before.runs[run]) !== JSON.stringify(recount.after.runs[run]),
  );

  const acceptedPerRecipient = new Map<string, number>();
  for (const send of sends) {
    if (!send.accepted) continue;
    const to = digits(String((send.body as { to?: unknown }).to ?? ""));
    acceptedPerRecipient.set(to, (acceptedPerRecipient.get(to) ?? 0) + 1);
  }
  const duplicateCalls = [...acceptedPerRecipient.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
  return {
    label: faulty ? `about ${Math.round(scenario.share * 100)}% of each fault` : "no faults (baseline)",
    faulty,
    sends: scenario.sends,
    rate: scenario.rate,
    concurrency: scenario.concurrency,
    seconds: Math.round((report.endedAt - report.startedAt) / 100) / 10,
    providerCalls: sends.length,
    accepted: sends.filter((s) => s.accepted).length,
    refused: sends.filter((s) => !s.accepted).length,
    duplicateCalls,
    unknownOutcomes: await countWhere(
      "SELECT count(DISTINCT e.message_id) AS n FROM message_events e JOIN messages m ON m.id = e.message_id WHERE m.run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?) AND e.status = 'sending' AND e.detail LIKE 'outcome unknown:%'",
      runId,
    ),
    settledByWebhook: reported,
    sweptUnknown: swept,
    stuck: await countWhere(
      "SELECT count(*) AS n FROM messages WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?) AND status IN ('queued', 'sending')",
      runId,
    ),
    countersExact: differences.length === 0,
    differences: differences.length,
    stops: stopNumbers.length,
    lostOptOuts: stopNumbers.length - (await optedOut()),
    duplicatedDeliveries: duplicated,
    d1Faults: Object.fromEntries(Object.entries(d1 ?? {}).map(([name, fault]) => [name, fault.hits])),
    invocations: report.invocations,
    failedInvocations: report.failedInvocations,
    pushBacks: report.pushBacks,
    deadLettered: report.deadLettered.length,
  };
}

it("sends through faults: none twice, counters exact, nothing stuck or lost", async () => {
  const scenario = inject("faultsScenario");
  for (const faulty of [false, true]) {
    const figures = await runOnce(scenario, faulty);
    console.log(`FAULTS ${JSON.stringify(figures)}`);
    // A benchmark, not a test: it only refuses to report a run that sent anyone twice.
    expect(figures.duplicateCalls).toBe(0);
  }
});
