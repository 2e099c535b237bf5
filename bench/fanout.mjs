// A broadcast run to one 100,000-contact audience through the real jobs consumer (fan-out pages)
// and sends consumer (the Meta provider, the per-number governor at 1,000 messages/s) to the
// stand-in Graph API on 127.0.0.1: time until every recipient is recorded (the number's governor
// then releases them into the sends queue at its pace), until the first send, then sends/s against
// the cap, and duplicate provider calls (must be 0). The Worker is the project's, bundled, with a
// broker playing the sends queue at Cloudflare's consumer concurrency (bench/fanout/worker.ts).
import { busiestSecond } from "../test/delivery/send-times.ts";
import { api, seedAudience } from "./audience.mjs";
import { conditions } from "./conditions.mjs";
import { until } from "./poll.mjs";
import { ratio } from "./ratio.mjs";
import { startStandIn } from "./standin-server.mjs";
import { connectMeta, createProject, startWorker } from "./worker.mjs";

const CONTACTS = Number(process.env.BENCH_FANOUT ?? 100_000);
const CAP = 1000;
// Cloudflare's most concurrent invocations of one push consumer.
const CONCURRENCY = Number(process.env.BENCH_FANOUT_CONCURRENCY ?? 250);
const ENTRY = "bench/fanout/worker.ts";

export async function run() {
  const standIn = await startStandIn();
  const { mf, url } = await startWorker({ entry: ENTRY, bindings: { GRAPH_API_BASE_URL: standIn.url } });
  try {
    const account = {
      phoneNumberId: "100000000000002",
      wabaId: "200000000000002",
      accessToken: "EAAB-bench-fanout-token",
      appSecret: "bench-fanout-app-secret",
    };
    await standIn.control("POST", "accounts", { ...account, autoApprove: true });
    const { projectId, key } = await createProject(url);
    await connectMeta(url, projectId, { ...account, verifyToken: "bench-fanout-verify", throughput: CAP });

    await api(url, key, "POST", "/v1/create/audience", { id: "bench", name: "Bench audience" });
    await api(url, key, "POST", "/v1/create/variable/group", {
      id: "users",
      name: "users",
      fields: ["first_name", "code"],
    });
    const db = await mf.getD1Database("DB");
    await seedAudience(db, {
      projectId,
      audienceId: "bench",
      groupId: "users",
      count: CONTACTS,
      numberOf: (i) => `+9197${String(i).padStart(8, "0")}`,
    });
    const { campaign } = await api(url, key, "POST", "/v1/create/campaign", {
      title: "Bench offer",
      message: "Hi {users.first_name}, your code is {users.code}.",
    });

    // The broker playing the sends queue runs for the whole run inside this request.
    const sends = fetch(`${url}/__bench/fanout/sends`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ projectId, concurrency: CONCURRENCY, seconds: 30 * 60 }),
    }).then(async (response) => {
      if (!response.ok) throw new Error(`sends broker failed: ${response.status} ${await response.text()}`);
      return response.json();
    });
    await until(async () => (await (await fetch(`${url}/__bench/fanout/ready`)).json()).ready, {
      everyMs: 20,
      timeoutMs: 10_000,
    });

    // Every time is taken from the run's own record and the stand-in's receipts, not by polling
    // the Worker, whose one local thread the fan-out and the sends share.
    const startedAt = Date.now();
    const { run: created } = await api(url, key, "POST", "/v1/run/campaign", {
      campaignId: campaign.campaignId,
      audiences: ["bench"],
    });
    const broker = await sends;
    const { run: final } = await api(url, key, "GET", `/v1/runs/${created.runId}`);
    const provider = await standIn.providerCalls(account.phoneNumberId);
    // Wherever the run keeps its messages (its own object by default; D1's messages table).
    const rows = await (await fetch(`${url}/__bench/fanout/rows?runId=${created.runId}`)).json();
    const done = rows.done;
    const fannedOutMs = final.fannedOutAt === null ? null : Date.parse(final.fannedOutAt) - startedAt;
    const firstSendMs = provider.firstAt === null ? null : provider.firstAt - startedAt;
    const elapsedMs = (provider.lastAt ?? Date.now()) - startedAt;
    // The sending rate from the first call the stand-in received to the last.
    const sendsPerSec = provider.calls / (Math.max(1, provider.lastAt - provider.firstAt) / 1000);
    // The same over the whole run, from the run request on: the fan-out's start-up included.
    const fromRequestPerSec = provider.calls / (Math.max(1, elapsedMs) / 1000);
    const received = (await standIn.control("GET", `sends?phoneNumberId=${account.phoneNumberId}`)).data;
    // Locally the fan-out shares the one workerd thread (and local D1) with every send, so sending
    // runs slow until the recipients are recorded; on Cloudflare they run in separate isolates.
    // The rate once the fan-out is done is printed beside the whole run's.
    const fannedOutAt = fannedOutMs === null ? null : startedAt + fannedOutMs;
    const afterRecorded = fannedOutAt === null ? [] : received.filter((s) => s.accepted && s.receivedAt >= fannedOutAt);
    const afterRecordedPerSec =
      fannedOutAt === null ? null : afterRecorded.length / (Math.max(1, provider.lastAt - fannedOutAt) / 1000);
    return {
      title: "Fan-out of one run through the jobs and sends consumers to the stand-in Graph API",
      rows: [
        {
          contacts: CONTACTS,
          "all recorded ms": Math.round(fannedOutMs ?? Number.NaN),
          "first send ms": Math.round(firstSendMs ?? Number.NaN),
          "all sent ms": Math.round(elapsedMs),
          "sends/s": Math.round(sendsPerSec),
          "cap/s": CAP,
          "rate/cap": (sendsPerSec / CAP).toFixed(2),
          "rate/cap after recorded": afterRecordedPerSec === null ? "-" : (afterRecordedPerSec / CAP).toFixed(2),
          "busiest second": busiestSecond(received),
          "message rows": rows.n,
          "duplicate rows": rows.n - rows.d,
          "provider calls": provider.calls,
          "duplicate calls": provider.duplicates,
          "run status": final.status,
          "push-backs": broker.pushBacks,
          "dead-lettered": broker.deadLettered,
        },
      ],
      result: {
        contacts: CONTACTS,
        finished: done,
        allRecordedMs: fannedOutMs === null ? null : Math.round(fannedOutMs),
        firstSendMs: firstSendMs === null ? null : Math.round(firstSendMs),
        allSentMs: Math.round(elapsedMs),
        sendsPerSec: Math.round(sendsPerSec),
        capPerSec: CAP,
        ratioToCap: ratio(sendsPerSec, CAP),
        ratioToCapFromRequest: ratio(fromRequestPerSec, CAP),
        ratioToCapAfterRecorded: afterRecordedPerSec === null ? null : ratio(afterRecordedPerSec, CAP),
        busiestSecond: busiestSecond(received),
        messageRows: rows.n,
        duplicateRows: rows.n - rows.d,
        providerCalls: provider.calls,
        duplicateCalls: provider.duplicates,
        runCompleted: final.status === "completed",
        concurrency: CONCURRENCY,
        peakConcurrency: broker.peakConcurrency,
        pushBacks: broker.pushBacks,
        deadLettered: broker.deadLettered,
      },
      conditions: conditions({
        graphApi: `stand-in on ${standIn.url}`,
        queues: `jobs: local Queue, batches of 10; sends: broker, batches of ≤ 100, up to ${CONCURRENCY} invocations at once; one workerd process`,
        fanout: "500 contacts per page, up to 4 pages per job",
      }),
    };
  } finally {
    await mf.dispose();
    await standIn.close();
  }
}
