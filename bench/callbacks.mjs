// Customer status callbacks: the callbacks of a 100,000-message run delivered through the real
// callbacks consumer (Miniflare's local queue, wrangler.toml's batch settings) to a receiver on
// 127.0.0.1 that verifies every signature, in events/s; then a broadcast run's fan-out time while
// another project's receiver hangs with a backlog of callbacks, against the same with no receiver
// hanging and no callbacks queued, in the same process.
//
// The transitions are queued through the real producer (enqueueCallbacks, as the ledger's outbox
// does) by a route of the benchmark's Worker (bench/callbacks/worker.ts), not by sending 100,000
// messages first: what is measured is the callbacks path alone.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { Response as MiniflareResponse } from "miniflare";
import { api, seedAudience } from "./audience.mjs";
import { conditions } from "./conditions.mjs";
import { until } from "./poll.mjs";
import { ratio } from "./ratio.mjs";
import { createProject, startWorker } from "./worker.mjs";

const EVENTS = Number(process.env.BENCH_CALLBACKS ?? 100_000);
const FANOUT_CONTACTS = Number(process.env.BENCH_CALLBACKS_FANOUT ?? 50_000);
// Fan-outs without a hanging receiver, then as many beside one, then again without: a drift over the
// run (a growing messages table) falls on both sides alike.
const ROUNDS = Number(process.env.BENCH_CALLBACKS_ROUNDS ?? 3);
// The hanging receiver's backlog during the second run: more than it can clear in the run's time.
const HANGING_EVENTS = Number(process.env.BENCH_CALLBACKS_HANGING ?? 5_000);
const ENQUEUE_CHUNK = 5_000;
const ENTRY = "bench/callbacks/worker.ts";
// A public-looking name the URL rules accept; every fetch of the Worker goes to the local receiver.
const RECEIVER_HOST = "callbacks.bench.test";

// Longer than the Worker's 10-second limit: the Worker has given up on the request by then.
const HANG_MS = 15_000;

/** A customer's endpoint: `/<name>/ok` verifies the signature and answers 200; `/<name>/hang` answers nothing for HANG_MS. */
function startReceiver() {
  const secrets = new Map();
  const seen = new Map();
  const stats = { posts: 0, events: 0, duplicates: 0, badSignatures: 0, hung: 0, hanging: 0, lastAt: 0 };
  const server = createServer((request, response) => {
    const [, name, action] = new URL(request.url, "http://x").pathname.split("/");
    if (action === "hang") {
      stats.hung++;
      stats.hanging++;
      request.resume();
      const timer = setTimeout(() => request.socket.destroy(), HANG_MS);
      request.socket.once("close", () => {
        clearTimeout(timer);
        stats.hanging--;
      });
      return;
    }
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      const raw = Buffer.concat(chunks);
      const timestamp = request.headers["x-campaign-timestamp"] ?? "";
      const expected = Buffer.from(
        `sha256=${createHmac("sha256", secrets.get(name) ?? "")
          .update(`${timestamp}.`)
          .update(raw)
          .digest("hex")}`,
      );
      const given = Buffer.from(String(request.headers["x-campaign-signature"] ?? ""));
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
        stats.badSignatures++;
        response.writeHead(401).end();
        return;
      }
      const body = JSON.parse(raw.toString("utf8"));
      const ids = seen.get(name) ?? new Set();
      seen.set(name, ids);
      for (const event of body.events ?? [body]) {
        if (ids.has(event.id)) stats.duplicates++;
        else ids.add(event.id);
        stats.events++;
      }
      stats.posts++;
      stats.lastAt = Date.now();
      response.writeHead(200).end();
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      resolve({
        port: server.address().port,
        stats,
        register: (name, secret) => secrets.set(name, secret),
        unique: (name) => seen.get(name)?.size ?? 0,
        close: () => {
          server.closeAllConnections();
          return new Promise((done) => server.close(done));
        },
      });
    });
  });
}

/** Every fetch the Worker makes goes to the receiver, path and headers as sent. */
function forwardTo(port) {
  return async (request) => {
    const { pathname, search } = new URL(request.url);
    const headers = new Headers(request.headers);
    headers.delete("host");
    const answer = await fetch(`http://127.0.0.1:${port}${pathname}${search}`, {
      method: request.method,
      headers,
      body: request.method === "GET" ? undefined : await request.arrayBuffer(),
      signal: request.signal,
    });
    return new MiniflareResponse(await answer.arrayBuffer(), { status: answer.status, headers: [...answer.headers] });
  };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

const setEndpoint = (url, key, name, action) =>
  api(url, key, "PUT", "/v1/callback", { url: `http://${RECEIVER_HOST}/${name}/${action}`, format: "batch" });

async function enqueue(url, projectId, count) {
  for (let from = 0; from < count; from += ENQUEUE_CHUNK) {
    const response = await fetch(`${url}/__bench/callbacks/enqueue`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ projectId, from, count: Math.min(ENQUEUE_CHUNK, count - from) }),
    });
    if (!response.ok) throw new Error(`enqueue failed: ${response.status} ${await response.text()}`);
  }
}

/** An audience of FANOUT_CONTACTS contacts, written straight into D1: seeding is not measured. */
async function seedFanoutAudience(db, url, key, projectId) {
  await api(url, key, "POST", "/v1/create/audience", { id: "bench", name: "Bench audience" });
  await seedAudience(db, {
    projectId,
    audienceId: "bench",
    count: FANOUT_CONTACTS,
    numberOf: (i) => `+9197${String(i).padStart(8, "0")}`,
  });
}

/** Milliseconds from the run request to the run's own fannedOutAt. */
async function fanOut(url, key, label) {
  const { campaign } = await api(url, key, "POST", "/v1/create/campaign", {
    title: `Bench ${label}`,
    message: "Hi, this is the bench offer.",
  });
  const startedAt = Date.now();
  const { run } = await api(url, key, "POST", "/v1/run/campaign", {
    campaignId: campaign.campaignId,
    audiences: ["bench"],
  });
  let fannedOutAt = null;
  const done = await until(
    async () => {
      fannedOutAt = (await api(url, key, "GET", `/v1/runs/${run.runId}`)).run.fannedOutAt;
      return fannedOutAt !== null;
    },
    { everyMs: 50, timeoutMs: 10 * 60_000 },
  );
  if (!done) throw new Error(`run ${label} did not fan out`);
  return Date.parse(fannedOutAt) - startedAt;
}

export async function run() {
  const receiver = await startReceiver();
  const { mf, url } = await startWorker({
    entry: ENTRY,
    outboundService: forwardTo(receiver.port),
  });
  try {
    const db = await mf.getD1Database("DB");

    // 1. Throughput: every event of a 100,000-message run to one receiver that takes batches.
    const throughput = await createProject(url, "callbacks");
    receiver.register("run", (await setEndpoint(url, throughput.key, "run", "ok")).secret);
    const startedAt = Date.now();
    await enqueue(url, throughput.projectId, EVENTS);
    const enqueuedMs = Date.now() - startedAt;
    const allIn = await until(async () => receiver.unique("run") >= EVENTS, { everyMs: 50, timeoutMs: 30 * 60_000 });
    const deliveredMs = receiver.stats.lastAt - startedAt;
    const perSec = EVENTS / (deliveredMs / 1000);
    const posts = receiver.stats.posts;
    const eventsPerPost = Number((receiver.stats.events / Math.max(1, posts)).toFixed(1));
    const duplicates = receiver.stats.duplicates;

    // 2. Fan-out of one project's run while another project's receiver answers, then while it hangs.
    const fanout = await createProject(url, "fanout");
    await seedFanoutAudience(db, url, fanout.key, fanout.projectId);
    const other = await createProject(url, "other receiver");
    await fanOut(url, fanout.key, "warm-up");

    const times = { alone: [], hanging: [] };
    for (let i = 0; i < ROUNDS; i++) times.alone.push(await fanOut(url, fanout.key, `alone ${i}`));
    await setEndpoint(url, other.key, "other", "hang");
    await enqueue(url, other.projectId, HANGING_EVENTS);
    for (let i = 0; i < ROUNDS; i++) {
      await until(async () => receiver.stats.hanging > 0, { everyMs: 20, timeoutMs: 2 * HANG_MS });
      times.hanging.push(await fanOut(url, fanout.key, `hanging ${i}`));
    }
    const hungRequests = receiver.stats.hung;
    // Its callbacks are dropped from here on; none of its requests may still be held.
    await api(url, other.key, "DELETE", "/v1/callback");
    await until(async () => receiver.stats.hanging === 0, { everyMs: 50, timeoutMs: 2 * HANG_MS });
    for (let i = 0; i < ROUNDS; i++) times.alone.push(await fanOut(url, fanout.key, `alone ${ROUNDS + i}`));
    const baselineMs = median(times.alone);
    const hangingMs = median(times.hanging);

    const fanoutSlowdown = ratio(hangingMs, baselineMs);
    return {
      title: "Status callbacks through the callbacks queue to a local receiver, and fan-out beside a hanging one",
      rows: [
        {
          events: EVENTS,
          "enqueued ms": enqueuedMs,
          "all delivered ms": deliveredMs,
          "events/s": Math.round(perSec),
          POSTs: posts,
          "events/POST": eventsPerPost,
          duplicates,
          "bad signatures": receiver.stats.badSignatures,
          "fan-out contacts": FANOUT_CONTACTS,
          "fan-out ms (median)": baselineMs,
          "fan-out ms, other receiver hanging (median)": hangingMs,
          slowdown: fanoutSlowdown,
        },
      ],
      result: {
        events: EVENTS,
        allDelivered: allIn,
        perSec: Math.round(perSec),
        enqueuedMs,
        deliveredMs,
        posts,
        eventsPerPost,
        duplicates,
        badSignatures: receiver.stats.badSignatures,
        fanoutContacts: FANOUT_CONTACTS,
        fanoutMs: baselineMs,
        fanoutHangingMs: hangingMs,
        fanoutSlowdown,
        fanoutRuns: times,
        hangingBacklog: HANGING_EVENTS,
        hungRequests,
      },
      conditions: conditions({
        receiver: `Node http server on 127.0.0.1 (every fetch of the Worker goes there), verifying each signature`,
        queues:
          "callbacks: Miniflare's local queue, batches of ≤ 100, one batch at a time; jobs: local queue, batches of 10",
        transitions: "queued by enqueueCallbacks from a benchmark route, 5,000 per request; sends not played",
        fanout: `${ROUNDS} runs with no receiver hanging, ${ROUNDS} beside one that hangs, ${ROUNDS} without again; medians; 500 contacts per page`,
      }),
    };
  } finally {
    await mf.dispose();
    await receiver.close();
  }
}
