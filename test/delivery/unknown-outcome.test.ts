import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { STUCK_SENDING_MS, sweepStuckMessages } from "../../src/features/delivery/sweep";
import { getMessage } from "../../src/features/messages/store";
import { API_RUN_ID, campaignStats } from "../../src/features/stats/record";
import { encodeCallback } from "../../src/whatsapp/message-ref";
import type { AnswerFault } from "../../standin/graph-api/types";
import { statusWebhook } from "../../standin/graph-api/webhooks";
import { db } from "../helpers";
import { sign } from "../inbound/inbound.helpers";
import { eventually, messageRow } from "../messages/messages.helpers";
import { injectError, receivedSends, type StandInAccount } from "../standin/standin.helpers";
import { apiJob, deliverWebhooks, metaCampaign, runQueue } from "./pipeline.helpers";

// At most once: a send whose answer never arrives intact may have reached Meta. It is never made
// again on a guess; it waits in `sending` for Meta's status webhook, which finds it by the message
// id carried in biz_opaque_callback_data.

const SENDS = "wa-campaigns-sends";

/** The message's history as `GET /v1/messages/{id}` shows it. */
async function history(id: string) {
  const row = await env.DB.prepare("SELECT project_id FROM messages WHERE id = ?")
    .bind(id)
    .first<{ project_id: string }>();
  const found = row ? await getMessage(db(), row.project_id, id) : null;
  return (found?.history ?? []).map(({ status, detail }) => ({ status, detail }));
}

/** Posts one signed status webhook for `account`'s number, as Meta would. */
async function postStatus(
  account: StandInAccount,
  status: { wamid: string; status: "delivered"; recipient: string; callbackData: string },
) {
  const payload = statusWebhook(
    { ...account, autoApprove: true, displayPhoneNumber: "15550001111" },
    { ...status, category: "utility" },
  );
  const body = JSON.stringify(payload);
  const response = await exports.default.fetch(
    new Request("https://api.test/webhooks/whatsapp", {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": await sign(account.appSecret, body) },
      body,
    }),
  );
  expect(response.status).toBe(200);
}

const apiCounts = async (campaignId: string) => (await campaignStats(env, campaignId).read()).runs[API_RUN_ID];

/** The counters follow the ledger: a status webhook's row is counted right after it commits. */
const countsBecome = (campaignId: string, expected: Record<string, number>) =>
  eventually(
    () => apiCounts(campaignId),
    (counts) => Object.entries(expected).every(([name, n]) => counts?.[name as keyof typeof counts] === n),
  );

/** A live API campaign whose next send Meta takes and whose answer breaks as `fault` says. */
async function sendWithBrokenAnswer(fault: AnswerFault) {
  const setup = await metaCampaign();
  // The test config gives Graph API calls 5 s; a hung answer is held past that.
  await injectError(setup.account, { code: 0, fault, holdMs: 6_000, mode: "next", count: 1, endpoint: "messages" });
  const job = apiJob(setup.p.id, setup.campaignId, setup.templateId);
  const first = await runQueue(SENDS, [job]);
  return { ...setup, job, first };
}

describe("a send whose outcome is unknown", { timeout: 60_000 }, () => {
  it.each<AnswerFault>(["hang", "truncate", "gateway"])(
    "%s: is acknowledged, not retried, and waits in sending with the reason",
    async (fault) => {
      const { account, job, first } = await sendWithBrokenAnswer(fault);
      expect(first.explicitAcks).toEqual(["m0"]);
      expect(first.retryMessages).toEqual([]);
      expect(await messageRow(job.messageId)).toMatchObject({ status: "sending", error_class: "unknown", wamid: null });
      expect((await history(job.messageId)).at(-1)?.detail).toMatch(/^outcome unknown: /);
      // A redelivery of the same queue message, even as a retry, makes no second call.
      const again = await runQueue(SENDS, [job], 2);
      expect(again.explicitAcks).toEqual(["m0"]);
      const sends = await receivedSends(account);
      expect(sends).toHaveLength(1);
      expect(sends[0]?.accepted).toBe(true);
    },
  );

  it("is settled by Meta's webhooks: sent, delivered, read, with Meta's wamid and no error left", async () => {
    const { account, campaignId, job } = await sendWithBrokenAnswer("truncate");
    const [send] = await receivedSends(account);
    await deliverWebhooks(account);
    const row = await eventually(
      () => messageRow(job.messageId),
      (r) => r?.status === "read",
    );
    expect(row).toMatchObject({ wamid: send?.wamid, error_class: null, error_title: null, failed_at: null });
    await countsBecome(campaignId, { sent: 1, delivered: 1, read: 1, sendErrors: 0 });
    expect(await receivedSends(account)).toHaveLength(1);
  });

  it("is failed by the sweep when Meta never says, as unknown (never re-sent), and a later word from Meta still applies", async () => {
    const { account, campaignId, job } = await sendWithBrokenAnswer("gateway");
    const sweptAt = Date.now() + STUCK_SENDING_MS + 1_000;
    await sweepStuckMessages(env, sweptAt);
    expect(await messageRow(job.messageId)).toMatchObject({
      status: "failed",
      error_class: "unknown",
      error_title: "Send outcome unknown",
    });
    expect(await apiCounts(campaignId)).toMatchObject({ sent: 0, sendErrors: 1 });
    // A run's retry picks up retryable failures only; this one is not among them.
    const retryable = await env.DB.prepare(
      "SELECT count(*) AS n FROM messages WHERE id = ? AND error_class = 'retryable'",
    )
      .bind(job.messageId)
      .first<{ n: number }>();
    expect(retryable?.n).toBe(0);

    await deliverWebhooks(account);
    await eventually(
      () => messageRow(job.messageId),
      (r) => r?.status === "read",
    );
    await countsBecome(campaignId, { sent: 1, delivered: 1, read: 1, sendErrors: 0 });
    expect(await receivedSends(account)).toHaveLength(1);
  });

  it("keeps a second wamid Meta reports for one message once in its history, and the first as the message's", async () => {
    const { account, job } = await sendWithBrokenAnswer("truncate");
    await deliverWebhooks(account);
    const sent = await eventually(
      () => messageRow(job.messageId),
      (r) => r?.status === "read",
    );
    // Meta reports the same message (by its callback data) under another wamid: it went out twice.
    const callbackData = encodeCallback({ messageId: job.messageId, campaignId: job.campaignId, runId: null });
    for (let i = 0; i < 2; i++) {
      await postStatus(account, {
        wamid: "wamid.SECOND",
        status: "delivered",
        recipient: "917428526285",
        callbackData,
      });
    }
    await eventually(
      () => history(job.messageId),
      (rows) => rows.some((r) => r.status === "duplicate"),
    );
    const duplicates = (await history(job.messageId)).filter((r) => r.status === "duplicate");
    expect(duplicates).toEqual([{ status: "duplicate", detail: "wamid.SECOND" }]);
    expect(await messageRow(job.messageId)).toMatchObject({ status: "read", wamid: sent?.wamid });
  });
});
