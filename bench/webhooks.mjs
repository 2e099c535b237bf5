// Webhook ingestion: signed status events for many messages, 10% duplicated and shuffled, posted
// concurrently; then whether the campaign's counters end exactly where they should.
import { conditions } from "./conditions.mjs";
import { until } from "./poll.mjs";
import { connectMeta, createProject, startWorker } from "./worker.mjs";

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

export async function run() {
  const { mf, url } = await startWorker();
  try {
    const { projectId, key } = await createProject(url, "webhook bench");
    const account = { phoneNumberId: "300000000000001", wabaId: "400000000000001", appSecret: "bench-app-secret-1" };
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

    let next = 0;
    let failures = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < signed.length) {
          const { body, signature } = signed[next++];
          const response = await fetch(`${url}/webhooks/whatsapp`, {
            method: "POST",
            headers: { "content-type": "application/json", "x-hub-signature-256": signature },
            body,
          });
          if (response.status !== 200) failures += 1;
          await response.arrayBuffer();
        }
      }),
    );
    const acceptedMs = performance.now() - started;

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
        non200: failures,
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
