// Webhook ingestion: signed status events for many messages, 10% duplicated and shuffled, posted
// concurrently. First the accept path alone (consumers off, as on Cloudflare, where they run in
// other isolates) beside a bare Worker whose only route puts the body on the same queue, measured
// in the same run; then the whole path with consumers on, and whether the campaign's counters end
// exactly where they should.
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { conditions } from "./conditions.mjs";
import { until } from "./poll.mjs";
import { ratio } from "./ratio.mjs";
import { connectMeta, createProject, startWorker, wranglerCompatibilityDate } from "./worker.mjs";

const MESSAGES = Number(process.env.BENCH_WEBHOOK_MESSAGES ?? 10_000);
const CONCURRENCY = 50;
const encoder = new TextEncoder();

async function signer(secret) {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  return async (body) => {
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(body)));
    return `sha256=${Buffer.from(mac).toString("hex")}`;
  };
}

function statusBody(account, messageId, status, at) {
  return JSON.stringify({
    object: "whatsapp_business_account",
    entry: [
      {
        id: account.wabaId,
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550000000", phone_number_id: account.phoneNumberId },
              statuses: [
                {
                  id: `wamid.${messageId}`,
                  status,
                  timestamp: String(Math.floor(at / 1000)),
                  recipient_id: "917428526285",
                  biz_opaque_callback_data: `${messageId}||`,
                },
              ],
            },
          },
        ],
      },
    ],
  });
}

function shuffle(list) {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list;
}

const ACCOUNT = { phoneNumberId: "300000000000001", wabaId: "400000000000001", appSecret: "bench-app-secret-1" };

/** Posts every signed body to `url` from CONCURRENCY connections; returns the time and the non-200s. */
async function postAll(url, signed) {
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < signed.length) {
        const { body, signature } = signed[next++];
        const response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", "x-hub-signature-256": signature },
          body,
        });
        if (response.status !== 200) failures += 1;
        await response.arrayBuffer();
      }
    }),
  );
  return { ms: performance.now() - started, failures };
}

// The baseline: a Worker that reads the body and puts it on the events queue, nothing else.
const BARE_ENQUEUE = `export default {
  async fetch(request, env) {
    await env.EVENTS.send({ payload: await request.text() });
    return Response.json({ received: 1 });
  },
};`;

async function bareEventsPerSec(signed) {
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: 0,
      modules: true,
      script: BARE_ENQUEUE,
      compatibilityDate: wranglerCompatibilityDate(),
      queueProducers: { EVENTS: "wa-campaigns-events" },
    }),
  );
  try {
    const url = (await mf.ready).toString();
    const { ms, failures } = await postAll(url, signed);
    if (failures > 0) throw new Error(`the bare enqueue route answered ${failures} posts with a status other than 200`);
    return Math.round((signed.length / ms) * 1000);
  } finally {
    await mf.dispose();
  }
}

/** The Worker's webhook route with its consumers off: signature, parse, routing, enqueue. */
async function acceptOnly(signed) {
  const { mf, url } = await startWorker({ consumers: false });
  try {
    const { projectId } = await createProject(url, "webhook accept bench");
    await connectMeta(url, projectId, { ...ACCOUNT, accessToken: "EAAB-bench", verifyToken: "bench-verify" });
    // Warm: the app's keys are read once, then kept in memory.
    await postAll(`${url}/webhooks/whatsapp`, signed.slice(0, CONCURRENCY));
    const { ms, failures } = await postAll(`${url}/webhooks/whatsapp`, signed);
    return { eventsPerSec: Math.round((signed.length / ms) * 1000), failures };
  } finally {
    await mf.dispose();
  }
}

export async function run() {
  const { mf, url } = await startWorker();
  try {
    const { projectId, key } = await createProject(url, "webhook bench");
    const account = ACCOUNT;
    await connectMeta(url, projectId, { ...account, accessToken: "EAAB-bench", verifyToken: "bench-verify" });

    const db = await mf.getD1Database("DB");
    const campaignId = "cmp_webhookbench";
    const now = Date.now();
    await db
      .prepare(
        "INSERT INTO campaigns (id, project_id, kind, name, status, created_at, updated_at) VALUES (?, ?, 'api', 'bench', 'live', ?, ?)",
      )
      .bind(campaignId, projectId, now, now)
      .run();
    const ids = Array.from({ length: MESSAGES }, (_, i) => `msg_hook${String(i).padStart(8, "0")}`);
    for (let i = 0; i < ids.length; i += 50) {
      await db.batch(
        ids
          .slice(i, i + 50)
          .map((id) =>
            db
              .prepare(
                "INSERT INTO messages (id, project_id, campaign_id, number, status, wamid, created_at, updated_at) VALUES (?, ?, ?, '+917428526285', 'sending', ?, ?, ?)",
              )
              .bind(id, projectId, campaignId, `wamid.${id}`, now, now),
          ),
      );
    }

    const sign = await signer(account.appSecret);
    const events = ids.flatMap((id, i) =>
      ["sent", "delivered", "read"].map((status, k) => statusBody(account, id, status, now + i + k * 1000)),
    );
    const duplicates = Math.round(events.length * 0.1);
    const posts = shuffle([...events, ...shuffle([...events]).slice(0, duplicates)]);
    const signed = await Promise.all(posts.map(async (body) => ({ body, signature: await sign(body) })));

    const bare = await bareEventsPerSec(signed);
    const alone = await acceptOnly(signed);
    const started = performance.now();
    const { ms: acceptedMs, failures } = await postAll(`${url}/webhooks/whatsapp`, signed);

    const expected = { sent: MESSAGES, delivered: MESSAGES, read: MESSAGES };
    let total = {};
    await until(
      async () => {
        const stats = await fetch(`${url}/v1/campaigns/${campaignId}/stats`, {
          headers: { authorization: `Bearer ${key}` },
        });
        total = (await stats.json()).total ?? {};
        return total.read >= MESSAGES && total.delivered >= MESSAGES && total.sent >= MESSAGES;
      },
      { everyMs: 250, timeoutMs: 10 * 60_000 },
    );
    const appliedMs = performance.now() - started;
    const exact =
      total.sent === expected.sent && total.delivered === expected.delivered && total.read === expected.read;
    const acceptedPerSec = Math.round((posts.length / acceptedMs) * 1000);
    const appliedPerSec = Math.round((posts.length / appliedMs) * 1000);
    return {
      title: "Webhook ingestion (signed status events, 10% duplicates, shuffled)",
      rows: [
        {
          events: posts.length,
          duplicates,
          "non-200": failures,
          "bare enqueue events/s": bare,
          "accepted events/s, consumers off": alone.eventsPerSec,
          "accept vs bare": ratio(alone.eventsPerSec, bare),
          "accepted events/s": acceptedPerSec,
          "applied events/s": appliedPerSec,
          "final sent/delivered/read": `${total.sent}/${total.delivered}/${total.read}`,
          expected: `${MESSAGES}/${MESSAGES}/${MESSAGES}`,
          "counters exact": exact,
        },
      ],
      result: {
        messages: MESSAGES,
        events: posts.length,
        duplicates,
        non200: failures + alone.failures,
        bareEnqueueEventsPerSec: bare,
        acceptOnlyEventsPerSec: alone.eventsPerSec,
        acceptToBare: ratio(alone.eventsPerSec, bare),
        acceptedMs: Math.round(acceptedMs),
        appliedMs: Math.round(appliedMs),
        acceptedEventsPerSec: acceptedPerSec,
        appliedEventsPerSec: appliedPerSec,
        final: { sent: total.sent ?? null, delivered: total.delivered ?? null, read: total.read ?? null },
        expected,
        countersExact: exact,
      },
      conditions: conditions({ concurrency: CONCURRENCY, messages: MESSAGES }),
    };
  } finally {
    await mf.dispose();
  }
}
