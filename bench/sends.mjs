// Sends through the real sends-queue consumer and the Meta provider to the stand-in Graph API on
// 127.0.0.1: messages per second from enqueue to `sent`, and duplicate provider calls.
import { conditions } from "./conditions.mjs";
import { until } from "./poll.mjs";
import { ratio } from "./ratio.mjs";
import { startStandIn } from "./standin-server.mjs";
import { connectMeta, createProject, startWorker } from "./worker.mjs";

const MESSAGES = Number(process.env.BENCH_SENDS ?? 20_000);
const CAP = 1000;

export async function run() {
  const standIn = await startStandIn();
  const { mf, url } = await startWorker({ bindings: { GRAPH_API_BASE_URL: standIn.url } });
  try {
    const account = {
      phoneNumberId: "100000000000001",
      wabaId: "200000000000001",
      accessToken: "EAAB-bench-token",
      appSecret: "bench-app-secret",
    };
    await standIn.control("POST", "accounts", { ...account, autoApprove: true });
    await standIn.control("POST", "templates", {
      wabaId: account.wabaId,
      name: "order_update",
      language: "en_US",
      status: "APPROVED",
      components: [{ type: "BODY", text: "Hi {{1}}, order {{2}} is on its way." }],
    });
    const { projectId } = await createProject(url);
    await connectMeta(url, projectId, { ...account, verifyToken: "bench-verify-token", throughput: CAP });

    const db = await mf.getD1Database("DB");
    const sends = await mf.getQueueProducer("SENDS");
    const now = Date.now();
    const ids = Array.from({ length: MESSAGES }, (_, i) => `msg_bench${String(i).padStart(8, "0")}`);
    for (let i = 0; i < ids.length; i += 50) {
      await db.batch(
        ids.slice(i, i + 50).map((id, j) => {
          const to = `+9198${String(i + j).padStart(8, "0")}`;
          const payload = { to, template: { name: "order_update", language: "en_US" }, body: ["Asha", `#${i + j}`] };
          return db
            .prepare(
              "INSERT INTO messages (id, project_id, number, status, payload, created_at, updated_at) VALUES (?, ?, ?, 'queued', ?, ?, ?)",
            )
            .bind(id, projectId, to, JSON.stringify(payload), now, now);
        }),
      );
    }

    const started = performance.now();
    for (let i = 0; i < ids.length; i += 100) {
      await sends.sendBatch(
        ids.slice(i, i + 100).map((messageId) => ({ body: { kind: "send", projectId, messageId } })),
      );
    }
    const enqueuedMs = performance.now() - started;
    let done = 0;
    await until(
      async () => {
        const row = await db
          .prepare("SELECT count(*) AS n FROM messages WHERE project_id = ? AND status NOT IN ('queued', 'sending')")
          .bind(projectId)
          .first();
        done = row.n;
        return done >= MESSAGES;
      },
      { everyMs: 100, timeoutMs: 10 * 60_000 },
    );
    const elapsedMs = performance.now() - started;
    const provider = await standIn.providerCalls(account.phoneNumberId);
    const sendsPerSec = (done / elapsedMs) * 1000;
    return {
      title: "Sends through the queue consumer to the stand-in Graph API",
      rows: [
        {
          messages: MESSAGES,
          "enqueue ms": Math.round(enqueuedMs),
          "all sent ms": Math.round(elapsedMs),
          "sends/s": Math.round(sendsPerSec),
          "cap/s": CAP,
          "rate/cap": (sendsPerSec / CAP).toFixed(2),
          "provider calls": provider.calls,
          "duplicate calls": provider.duplicates,
          finished: done,
        },
      ],
      result: {
        messages: MESSAGES,
        finished: done,
        enqueueMs: Math.round(enqueuedMs),
        allSentMs: Math.round(elapsedMs),
        sendsPerSec: Math.round(sendsPerSec),
        capPerSec: CAP,
        ratioToCap: ratio(sendsPerSec, CAP),
        providerCalls: provider.calls,
        duplicateCalls: provider.duplicates,
      },
      conditions: conditions({
        graphApi: `stand-in on ${standIn.url}`,
        queue: "local Queues, batches of 100, one consumer invocation at a time",
      }),
    };
  } finally {
    await mf.dispose();
    await standIn.close();
  }
}
