// Pacing at Cloudflare's consumer concurrency: runs bench/pacing/*.bench-test.ts in the Workers
// test runtime (its own vitest config; `npm test` never runs it), where the number's governor feeds
// a broadcast run into a broker playing Cloudflare Queues, which drives the real sends consumer at
// up to C invocations at once against the stand-in Graph API. Scenarios come from BENCH_PACING_* (bench/pacing/scenarios.ts); each test prints a
// `PACING {json}` line of its figures, read here.
import { conditions } from "./conditions.mjs";
import { runtimeFigures, runtimeStorage } from "./runtime-bench.mjs";

const MARKER = "PACING ";
const BROKER = "batches of ≤ 100, retry delays honoured, dead letter after 11 deliveries (wrangler.toml)";
const RUNTIME = "workerd via @cloudflare/vitest-plugin, local D1 and Durable Objects, stand-in Graph API in Node";

const measure = () => runtimeFigures("pacing", "bench/pacing/vitest.config.ts", MARKER);

const rowsText = (rows) =>
  Object.entries(rows)
    .map(([status, n]) => `${status} ${n}`)
    .join(", ");

export async function run() {
  const figures = await measure();
  for (const f of figures) {
    console.log(`\n### pacing: ${f.recipients} recipients at ${f.rate}/s, ${f.name}`);
    console.table([
      {
        sent: f.sent,
        "window s": f.windowSeconds,
        "sends/s": Math.round((f.sent / f.windowSeconds) * 10) / 10,
        "rate/cap": f.rateToCap,
        "max/s": f.maxPerSecond,
        "max sliding s": f.maxSlidingSecond,
        "push-backs": f.pushBacks,
        "dead-lettered": f.deadLettered,
        "left in queue": f.leftInQueue,
        refused: f.refused,
        duplicates: f.duplicates,
        invocations: f.invocations,
        "peak C": f.peakConcurrency,
        probes: f.probes,
        "probe p50 ms": f.transactionalP50Ms,
        "probe p99 ms": f.transactionalP99Ms,
        stalls: f.stalls,
        "stalled ms": f.stalledMs,
        "idle timeline ms": f.governorIdleMs,
        "late sends": f.lateSends,
      },
    ]);
    console.log(`message rows: ${rowsText(f.rows)}`);
    console.log(`sends in each second: ${f.perSecond.join(" ")}`);
    console.table(
      conditions({
        recipients: f.recipients,
        "rate/s": f.rate,
        "concurrency allowed": f.concurrency,
        "cap s": f.seconds,
        "130429 answers": f.throughputErrors,
        "probe every ms": f.probeEveryMs || "none",
        broker: BROKER,
        runtime: RUNTIME,
        "local storage": runtimeStorage,
      }),
    );
  }
  const clean = figures.filter((f) => f.throughputErrors === 0);
  const throttled = figures.find((f) => f.throughputErrors > 0);
  // The headline: the clean scenario at the highest rate, then the most concurrency allowed.
  const headline = clean.reduce((top, f) => {
    if (top === undefined) return f;
    const more = f.rate - top.rate || f.concurrency - top.concurrency;
    return more > 0 ? f : top;
  }, undefined);
  if (!headline) throw new Error("no pacing scenario without injected errors ran");
  const worst = (values) => (values.length === 0 ? null : Math.max(...values));
  return {
    title: "pacing: a broadcast fed by the governor, the sends consumer at up to C concurrent invocations",
    rows: figures.map((f) => ({
      scenario: f.name,
      recipients: f.recipients,
      "rate/s": f.rate,
      "peak C": f.peakConcurrency,
      sent: f.sent,
      "rate/cap": f.rateToCap,
      "max/s": f.maxPerSecond,
      "push-backs": f.pushBacks,
      "dead-lettered": f.deadLettered,
      "probe p99 ms": f.transactionalP99Ms,
      "stalled ms": f.stalledMs,
    })),
    conditions: conditions({
      broker: BROKER,
      runtime: RUNTIME,
      "local storage": runtimeStorage,
      "RESULT reports": `${headline.recipients} recipients, ${headline.name}; minima and maxima over all scenarios`,
    }),
    result: {
      recipients: headline.recipients,
      rate: headline.rate,
      concurrency: headline.concurrency,
      rateToCap: headline.rateToCap,
      deadLettered: figures.reduce((sum, f) => sum + f.deadLettered, 0),
      pushBacks: figures.reduce((sum, f) => sum + f.pushBacks, 0),
      transactionalP99Ms: worst(clean.flatMap((f) => f.transactionalP99Ms ?? [])),
      maxPerSecond: throttled ? throttled.maxPerSecond : headline.maxPerSecond,
      rateToCapMin: Math.min(...clean.map((f) => f.rateToCap)),
      secondsOverRate: figures.reduce((sum, f) => sum + f.perSecond.filter((n) => n > f.rate).length, 0),
      ...(throttled ? { throttledRate: throttled.rate, throttledRateToCap: throttled.rateToCap } : {}),
      duplicates: figures.reduce((sum, f) => sum + f.duplicates, 0),
      // Isolate-wide pauses of the headline scenario: every send stops at once here (one thread).
      stalledMs: headline.stalledMs,
    },
  };
}
