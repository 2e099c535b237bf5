import { env, exports } from "cloudflare:workers";
import { STUCK_SENDING_MS, sweepStuckMessages } from "../../src/features/delivery/sweep";
import { outbox } from "../../src/features/outbox";
import { encodeCallback } from "../../src/whatsapp/message-ref";
import type { ReceivedSend } from "../../standin/graph-api";
import { statusWebhook } from "../../standin/graph-api/webhooks";
import { sign } from "../../test/inbound/inbound.helpers";
import type { StandInAccount } from "../../test/standin/standin.helpers";

// After the faults: what Meta and the cron would do. Sends whose outcome was unknown hear Meta's
// word (their status webhooks, as the stand-in would send them), the sweep runs, the outbox catches
// up. Then the run is judged.

const STATUSES_PER_WEBHOOK = 100;
const digits = (number: string) => number.replace(/\D/g, "");

/** Polls `done` every 250 ms up to `ms`; returns whether it came true. */
export async function waitFor(done: () => Promise<boolean>, ms: number) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await done()) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return done();
}

export const countWhere = async (sql: string, ...binds: unknown[]) =>
  (
    await env.DB.prepare(sql)
      .bind(...binds)
      .first<{ n: number }>()
  )?.n ?? 0;

/**
 * Posts a signed `delivered` status for every message of the run still `sending` whose send the
 * stand-in took, found by the message id in biz_opaque_callback_data, as Meta reports a message it
 * has. Returns how many were reported.
 */
export async function reportUnknownOutcomes(account: StandInAccount, runId: string, sends: ReceivedSend[]) {
  const { results } = await env.DB.prepare(
    "SELECT id, number, campaign_id FROM messages WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?) AND status = 'sending'",
  )
    .bind(runId)
    .all<{ id: string; number: string; campaign_id: string }>();
  const wamidOf = new Map<string, string>();
  for (const send of sends) {
    const to = digits(String((send.body as { to?: unknown } | null)?.to ?? ""));
    if (send.accepted && send.wamid) wamidOf.set(to, send.wamid);
  }
  const statuses = results.flatMap((m) => {
    const wamid = wamidOf.get(digits(m.number));
    if (!wamid) return [];
    const payload = statusWebhook(
      { ...account, autoApprove: true, displayPhoneNumber: "15550001111" },
      {
        wamid,
        status: "delivered",
        recipient: digits(m.number),
        category: "utility",
        callbackData: encodeCallback({ messageId: m.id, campaignId: m.campaign_id, runId }),
      },
    );
    return payload.entry[0]?.changes[0]?.value.statuses ?? [];
  });
  for (let i = 0; i < statuses.length; i += STATUSES_PER_WEBHOOK) {
    const payload = statusWebhook(
      { ...account, autoApprove: true, displayPhoneNumber: "15550001111" },
      { wamid: "x", status: "delivered", recipient: "x", category: "utility" },
    );
    const change = payload.entry[0]?.changes[0];
    if (change) change.value.statuses = statuses.slice(i, i + STATUSES_PER_WEBHOOK);
    const body = JSON.stringify(payload);
    await exports.default.fetch(
      new Request("https://api.test/webhooks/whatsapp", {
        method: "POST",
        headers: { "content-type": "application/json", "x-hub-signature-256": await sign(account.appSecret, body) },
        body,
      }),
    );
  }
  return statuses.length;
}

/** Meta's word for the unknown outcomes, then the sweep for what it never settles, then the outbox. */
export async function recover(account: StandInAccount, runId: string, sends: ReceivedSend[]) {
  const reported = await reportUnknownOutcomes(account, runId, sends);
  const sendingLeft = () =>
    countWhere(
      "SELECT count(*) AS n FROM messages WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?) AND status = 'sending'",
      runId,
    );
  // The events consumer applies the statuses one batch at a time here: wait while it makes progress.
  let left = await sendingLeft();
  let movedAt = Date.now();
  while (left > 0 && Date.now() - movedAt < 30_000) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const now = await sendingLeft();
    if (now < left) movedAt = Date.now();
    left = now;
  }
  // What Meta never settled: the sweep fails it as unknown, up to 500 a run, as the cron would.
  const swept = left;
  while ((await sendingLeft()) > 0) await sweepStuckMessages(env, Date.now() + STUCK_SENDING_MS + 1_000);
  while ((await outbox(env).drain()) > 0) {
    // A drain hands over up to 10,000 rows a call; the loop ends once it finds none.
  }
  return { reported, swept };
}
