// Faults: runs bench/faults/*.bench-test.ts in the Workers test runtime (its own vitest config;
// `npm test` never runs it): one broadcast run sent by the real consumers through a broker playing
// Cloudflare Queues, first without faults, then with about BENCH_FAULTS_SHARE of each fault kind,
// then recovered as Meta and the cron would. Each run prints a `FAULTS {json}` line, read here.
import { conditions } from "./conditions.mjs";
import { runtimeFigures, runtimeStorage } from "./runtime-bench.mjs";

const MARKER = "FAULTS ";

const measure = () => runtimeFigures("faults", "bench/faults/vitest.config.ts", MARKER);

export async function run() {
  const figures = await measure();
  const baseline = figures.find((f) => !f.faulty);
  const faulty = figures.find((f) => f.faulty);
  if (!baseline || !faulty) throw new Error("the faults benchmark needs its baseline and its faulty run");
  return {
    title: "faults: one broadcast run through the real consumers, without and with injected faults",
    rows: figures.map((f) => ({
      run: f.label,
      sends: f.sends,
      "send s": f.seconds,
      "provider calls": f.providerCalls,
      refused: f.refused,
      "duplicate calls": f.duplicateCalls,
      "unknown outcomes": f.unknownOutcomes,
      "queue duplicates": f.duplicatedDeliveries,
      "D1 faults": Object.values(f.d1Faults).reduce((sum, n) => sum + n, 0),
      "counters exact": f.countersExact,
      stuck: f.stuck,
      "STOPs / lost": `${f.stops} / ${f.lostOptOuts}`,
      "dead-lettered": f.deadLettered,
    })),
    extra: {
      title: "faults injected in the faulty run",
      rows: [
        {
          ...faulty.d1Faults,
          "queue duplicates": faulty.duplicatedDeliveries,
          "unknown outcomes": faulty.unknownOutcomes,
          "settled by webhook": faulty.settledByWebhook,
          swept: faulty.sweptUnknown,
          "failed invocations": faulty.failedInvocations,
          "push-backs": faulty.pushBacks,
        },
      ],
    },
    conditions: conditions({
      "rate/s": faulty.rate,
      "concurrency allowed": faulty.concurrency,
      "provider faults":
        "every n-th send: truncated answer, gateway 504, answer held past the 5 s time limit, 131000 refusal",
      "D1 faults": "at random: send claims, outcome batches, outbox reads, opt-out writes",
      runtime: "workerd via @cloudflare/vitest-plugin, local D1 and Durable Objects, stand-in Graph API in Node",
      "local storage": runtimeStorage,
    }),
    result: {
      sends: faulty.sends,
      providerCalls: faulty.providerCalls,
      duplicateCalls: faulty.duplicateCalls + baseline.duplicateCalls,
      countersExact: faulty.countersExact && baseline.countersExact,
      stuck: faulty.stuck + baseline.stuck,
      lostOptOuts: faulty.lostOptOuts + baseline.lostOptOuts,
      unknownOutcomes: faulty.unknownOutcomes,
      refusedCalls: faulty.refused,
      queueDuplicates: faulty.duplicatedDeliveries,
      d1Faults: Object.values(faulty.d1Faults).reduce((sum, n) => sum + n, 0),
      deadLettered: faulty.deadLettered,
      sendSeconds: faulty.seconds,
      baselineSendSeconds: baseline.seconds,
      secondsToBaseline: Math.round((faulty.seconds / baseline.seconds) * 100) / 100,
    },
  };
}
