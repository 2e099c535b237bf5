// Pacing at Cloudflare's consumer concurrency. The project's Worker, bundled as wrangler deploys it
// with one benchmark route (bench/pacing/worker.ts), runs in workerd through Miniflare; for each
// scenario (bench/pacing/scenarios.ts, from BENCH_PACING_*) that route has the number's governor
// feed a broadcast run into a broker playing Cloudflare Queues, which drives the real sends consumer
// at up to C invocations at once against the stand-in Graph API on 127.0.0.1. Sends are counted
// from the stand-in's own record of the calls it received.
import { busiestSecond, percentile, sendsPerSecond } from "../test/delivery/send-times.ts";
import { conditions } from "./conditions.mjs";
import { pacingScenarios } from "./pacing/scenarios.ts";
import { runtimeStorage, useRamStorage } from "./runtime-bench.mjs";
import { startStandIn } from "./standin-server.mjs";
import { connectMeta, createProject, startWorker } from "./worker.mjs";

const BROKER = "batches of ≤ 100, retry delays honoured, dead letter after 11 deliveries (wrangler.toml)";
const RUNTIME =
  "the Worker as wrangler bundles it, in workerd via Miniflare, local D1 and Durable Objects; stand-in Graph API on 127.0.0.1";
// The template the backlog's rows name (test/delivery/queue-rows.ts, BACKLOG_TEMPLATE).
const TEMPLATE = { name: "order_update", text: "Hi {{1}}, your order {{2}} is on its way." };

/** Runs one scenario on a fresh project and account; returns its figures. */
async function measure(url, standIn, scenario, k) {
  const account = {
    phoneNumberId: String(300000000000000 + k),
    wabaId: String(400000000000000 + k),
    accessToken: `EAAB-pacing-${k}`,
    appSecret: `pacing-secret-${k}`,
  };
  await standIn.control("POST", "accounts", { ...account, autoApprove: true });
  await standIn.control("POST", "templates", {
    wabaId: account.wabaId,
    name: TEMPLATE.name,
    language: "en_US",
    status: "APPROVED",
    category: "UTILITY",
    components: [{ type: "BODY", text: TEMPLATE.text }],
  });
  const { projectId } = await createProject(url, `pacing-${k}`);
  await connectMeta(url, projectId, { ...account, verifyToken: `pacing-verify-${k}`, throughput: scenario.rate });
  if (scenario.throughputErrors > 0) {
    await standIn.control("POST", "errors", {
      phoneNumberId: account.phoneNumberId,
      code: 130429,
      mode: "next",
      count: scenario.throughputErrors,
      endpoint: "messages",
    });
  }
  const response = await fetch(`${url}/__bench/pacing`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ projectId, phoneNumberId: account.phoneNumberId, ...scenario }),
  });
  if (!response.ok) throw new Error(`pacing scenario failed: ${response.status} ${await response.text()}`);
  const run = await response.json();
  const { report } = run;

  const all = (await standIn.control("GET", `sends?phoneNumberId=${account.phoneNumberId}`)).data;
  const capAt = report.startedAt + scenario.seconds * 1000;
  const to = (s) => s.body.to.replace(/\D/g, "");
  const probeNumbers = new Set(run.probeNumbers);
  const accepted = all.filter((s) => s.accepted && !probeNumbers.has(to(s)));
  const lastSend = Math.max(report.startedAt + 1, ...accepted.map((s) => s.receivedAt));
  const windowEnd = Math.min(lastSend, capAt);
  const windowSeconds = Math.max(0.001, (windowEnd - report.startedAt) / 1000);
  const numberSends = all.filter((s) => s.accepted && s.receivedAt <= windowEnd).length;
  const perSecond = sendsPerSecond(
    all.filter((s) => s.receivedAt <= windowEnd),
    report.startedAt,
  );
  const delays = all.flatMap((s) => {
    const at = run.queuedAt[to(s)];
    return at === undefined || !s.accepted ? [] : [s.receivedAt - at];
  });
  return {
    ...scenario,
    windowSeconds: Math.round(windowSeconds * 10) / 10,
    drained: report.drained,
    sent: accepted.filter((s) => s.receivedAt <= windowEnd).length,
    // Every accepted send of the number in the window (broadcast and probes share its rate) over the rate.
    rateToCap: Math.round((numberSends / windowSeconds / scenario.rate) * 1000) / 1000,
    maxPerSecond: Math.max(0, ...perSecond),
    maxSlidingSecond: busiestSecond(all),
    perSecond,
    refused: all.length - all.filter((s) => s.accepted).length,
    duplicates: accepted.length - new Set(accepted.map(to)).size,
    invocations: report.invocations,
    peakConcurrency: report.peakConcurrency,
    pushBacks: report.pushBacks,
    deadLettered: report.deadLettered,
    leftInQueue: report.left,
    rows: run.rows,
    probes: delays.length,
    transactionalP50Ms: percentile(delays, 50),
    transactionalP99Ms: percentile(delays, 99),
    stalls: run.stalls,
    stalledMs: run.stalledMs,
    governorIdleMs: run.losses.idleMs,
    lateSends: run.losses.lateSends,
  };
}

async function measureAll() {
  const scenarios = pacingScenarios(process.env);
  const standIn = await startStandIn();
  const cleanUp = useRamStorage();
  // No queue consumers: the broker inside the Worker is the only one, as on Cloudflare at C invocations.
  const { mf, url } = await startWorker({
    entry: "bench/pacing/worker.ts",
    consumers: false,
    bindings: { GRAPH_API_BASE_URL: standIn.url },
  });
  try {
    const figures = [];
    for (const [k, scenario] of scenarios.entries()) {
      const f = await measure(url, standIn, scenario, k);
      // A benchmark, not a test: it only refuses to report a run that sent anyone twice.
      if (f.duplicates > 0) throw new Error(`${scenario.name}: ${f.duplicates} recipients were sent twice`);
      figures.push(f);
    }
    return figures;
  } finally {
    await mf.dispose();
    cleanUp();
    await standIn.close();
  }
}

const rowsText = (rows) =>
  Object.entries(rows)
    .map(([status, n]) => `${status} ${n}`)
    .join(", ");

export async function run() {
  const figures = await measureAll();
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
