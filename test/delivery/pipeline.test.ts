import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { STUCK_QUEUED_MS, STUCK_SENDING_MS, sweepStuckMessages } from "../../src/features/delivery/sweep";
import { call } from "../helpers";
import { eventually, messageRow } from "../messages/messages.helpers";
import { clearErrors, injectError, receivedSends } from "../standin/standin.helpers";
import { apiJob, metaCampaign, runQueue } from "./pipeline.helpers";

const SENDS = "wa-campaigns-sends";

describe("sends consumer", { timeout: 30_000 }, () => {
  it("makes one provider call when the queue delivers a message twice", async () => {
    const { p, account, campaignId, templateId } = await metaCampaign();
    const job = apiJob(p.id, campaignId, templateId);
    // Two deliveries at once (two consumer invocations), then a late redelivery.
    const [one, two] = await Promise.all([runQueue(SENDS, [job]), runQueue(SENDS, [job])]);
    expect([one.explicitAcks, two.explicitAcks]).toEqual([["m0"], ["m0"]]);
    const again = await runQueue(SENDS, [job], 2);
    expect(again.explicitAcks).toEqual(["m0"]);
    expect(await receivedSends(account)).toHaveLength(1);
    expect((await messageRow(job.messageId))?.status).toBe("sent");
  });

  it("retries a throughput error (130429) with a delay, then sends once", async () => {
    const { p, account, campaignId, templateId } = await metaCampaign();
    await injectError(account, { code: 130429, mode: "next", count: 1 });
    const job = apiJob(p.id, campaignId, templateId);
    const first = await runQueue(SENDS, [job]);
    expect(first.retryMessages).toEqual([{ msgId: "m0" }]);
    expect(first.delays.m0).toBeGreaterThan(0);
    expect((await messageRow(job.messageId))?.status).toBe("queued");
    const second = await runQueue(SENDS, [job], 2);
    expect(second.explicitAcks).toEqual(["m0"]);
    const row = await messageRow(job.messageId);
    expect(row?.status).toBe("sent");
    expect(row?.attempts).toBe(2);
    // Two calls reached the stand-in: the refused one and the successful one.
    expect((await receivedSends(account)).length).toBe(2);
  });

  it("parks a second message to the same recipient with the governor until the pair window passes", async () => {
    const { p, account, campaignId, templateId } = await metaCampaign();
    const a = apiJob(p.id, campaignId, templateId, "+917428526285");
    const b = apiJob(p.id, campaignId, templateId, "+917428526285");
    const result = await runQueue(SENDS, [a, b]);
    // A pacing hold is never a queue retry: both deliveries are acknowledged.
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1"]);
    expect(result.retryMessages).toEqual([]);
    expect(await messageRow(b.messageId)).toMatchObject({ status: "queued", attempts: 0 });
    // The governor releases it once the window has passed, and it is sent once.
    await eventually(
      () => messageRow(b.messageId),
      (row) => row?.status === "sent",
    );
    const sends = await receivedSends(account);
    expect(sends).toHaveLength(2);
    const [first, second] = sends.map((s) => s.receivedAt).sort((x, y) => x - y);
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(6_000 - 50);
  });

  it("delays only the recipient on a pair-rate error (131056)", async () => {
    const { p, account, campaignId, templateId } = await metaCampaign();
    await injectError(account, { code: 131056, mode: "next", count: 1, recipient: "+917428526285" });
    const a = apiJob(p.id, campaignId, templateId, "+917428526285");
    const b = apiJob(p.id, campaignId, templateId, "+917428520001");
    const result = await runQueue(SENDS, [a, b]);
    expect(result.explicitAcks).toEqual(["m1"]);
    expect(result.retryMessages).toEqual([{ msgId: "m0" }]);
    expect(result.delays.m0).toBeGreaterThanOrEqual(6);
  });

  it("fails a permanent error at once with Meta's code, title and message", async () => {
    const { p, account, campaignId, templateId } = await metaCampaign();
    await injectError(account, { code: 132000, mode: "always" });
    const job = apiJob(p.id, campaignId, templateId);
    const result = await runQueue(SENDS, [job]);
    expect(result.explicitAcks).toEqual(["m0"]);
    const row = await messageRow(job.messageId);
    expect(row).toMatchObject({ status: "failed", error_code: 132000, attempts: 1 });
    expect(row?.error_title).toEqual(expect.any(String));
    expect(row?.error_message).toEqual(expect.any(String));
  });

  it("fails with the last error once MAX_SEND_ATTEMPTS provider calls have failed", async () => {
    const { p, account, campaignId, templateId } = await metaCampaign();
    await injectError(account, { code: 131000, mode: "always" });
    const job = apiJob(p.id, campaignId, templateId);
    for (let call = 1; call < 8; call++) {
      const retried = await runQueue(SENDS, [job], call);
      expect(retried.retryMessages, `call ${call}`).toEqual([{ msgId: "m0" }]);
      expect(await messageRow(job.messageId)).toMatchObject({ status: "queued", attempts: call });
    }
    const result = await runQueue(SENDS, [job], 8);
    expect(result.explicitAcks).toEqual(["m0"]);
    const row = await messageRow(job.messageId);
    expect(row).toMatchObject({ status: "failed", error_code: 131000, attempts: 8 });
    expect(row?.error_message).toContain("gave up after 8 attempts");
    // Eight calls reached the stand-in, each refused.
    expect(await receivedSends(account)).toHaveLength(8);
  });

  it("counts provider calls, not queue deliveries: a message delivered an 8th time after pacing holds is retried", async () => {
    const { p, account, campaignId, templateId } = await metaCampaign();
    await injectError(account, { code: 131000, mode: "next", count: 1 });
    const job = apiJob(p.id, campaignId, templateId);
    // Its eighth delivery (seven push-backs before it), and its first provider call, which fails.
    const result = await runQueue(SENDS, [job], 8);
    expect(result.retryMessages).toEqual([{ msgId: "m0" }]);
    expect(await messageRow(job.messageId)).toMatchObject({ status: "queued", attempts: 1, error_code: 131000 });
  });

  it("pauses the campaign on an account-level error and continues where it stopped on resume", async () => {
    const { p, account, campaignId, templateId } = await metaCampaign();
    await injectError(account, { code: 190, mode: "always" });
    const first = apiJob(p.id, campaignId, templateId, "+917428526285");
    const second = apiJob(p.id, campaignId, templateId, "+917428520001");
    const result = await runQueue(SENDS, [first]);
    expect(result.explicitAcks).toEqual(["m0"]);
    const campaign = await call("GET", `/v1/api-campaigns/${campaignId}`, { key: p.manager });
    expect(campaign.body).toMatchObject({ status: "paused", pausedReason: expect.stringContaining("190") });
    // A message arriving while paused is recorded and held, not sent.
    await runQueue(SENDS, [second]);
    expect((await messageRow(first.messageId))?.status).toBe("queued");
    expect((await messageRow(second.messageId))?.status).toBe("queued");
    expect(await receivedSends(account)).toHaveLength(1);

    await clearErrors(account);
    expect((await call("POST", `/v1/api-campaigns/${campaignId}/resume`, { key: p.manager })).status).toBe(200);
    for (const id of [first.messageId, second.messageId]) {
      await eventually(
        () => messageRow(id),
        (row) => row?.status === "sent",
      );
    }
  });

  it("records a dead-lettered message as failed", async () => {
    const { p, campaignId, templateId } = await metaCampaign();
    const job = apiJob(p.id, campaignId, templateId);
    const result = await runQueue(`${SENDS}-dlq`, [job], 11);
    expect(result.explicitAcks).toEqual(["m0"]);
    expect(await messageRow(job.messageId)).toMatchObject({ status: "failed", error_title: "Dead-lettered" });
  });

  it("classes a dead letter that never reached Meta as retryable, and one whose send outcome is unknown as unknown", async () => {
    const { p, campaignId, templateId } = await metaCampaign();
    const neverSent = apiJob(p.id, campaignId, templateId, "+917428520011");
    const unknown = apiJob(p.id, campaignId, templateId, "+917428520012");
    // Both recorded as queued; the second was then claimed (sending) when its invocation died.
    for (const job of [neverSent, unknown]) {
      await env.DB.prepare(
        "INSERT INTO messages (id, project_id, campaign_id, number, status, payload, created_at, updated_at) VALUES (?, ?, (SELECT coalesce(ref, id) FROM campaigns WHERE id = ?), ?, 'queued', ?, ?, ?)",
      )
        .bind(job.messageId, p.id, campaignId, job.contact.number, JSON.stringify(job.payload), Date.now(), Date.now())
        .run();
    }
    await env.DB.prepare("UPDATE messages SET status = 'sending' WHERE id = ?").bind(unknown.messageId).run();
    const result = await runQueue(
      `${SENDS}-dlq`,
      [neverSent, unknown].map((job) => ({ kind: "send", projectId: p.id, messageId: job.messageId, campaignId })),
      11,
    );
    expect(result.explicitAcks).toEqual(["m0", "m1"]);
    // A run's retry re-sends retryable failures only: never one that may have reached the person.
    expect(await messageRow(neverSent.messageId)).toMatchObject({ status: "failed", error_class: "retryable" });
    expect(await messageRow(unknown.messageId)).toMatchObject({ status: "failed", error_class: "unknown" });
  });
});

describe("sweep", () => {
  it("fails messages stuck in sending and re-enqueues ones stuck in queued", async () => {
    const { p, campaignId, templateId } = await metaCampaign();
    const stuckSending = apiJob(p.id, campaignId, templateId, "+917428520002");
    const stuckQueued = apiJob(p.id, campaignId, templateId, "+917428520003");
    const now = Date.now();
    for (const [job, status, age] of [
      [stuckSending, "sending", STUCK_SENDING_MS + 1000],
      [stuckQueued, "queued", STUCK_QUEUED_MS + 1000],
    ] as const) {
      await env.DB.prepare(
        "INSERT INTO messages (id, project_id, campaign_id, number, status, payload, created_at, updated_at) VALUES (?, ?, (SELECT coalesce(ref, id) FROM campaigns WHERE id = ?), ?, ?, ?, ?, ?)",
      )
        .bind(
          job.messageId,
          p.id,
          campaignId,
          job.contact.number,
          status,
          JSON.stringify(job.payload),
          now - age,
          now - age,
        )
        .run();
    }
    const result = await sweepStuckMessages(env, now);
    expect(result.failed).toBeGreaterThanOrEqual(1);
    expect(result.requeued).toBeGreaterThanOrEqual(1);
    expect(await messageRow(stuckSending.messageId)).toMatchObject({
      status: "failed",
      error_title: "Send outcome unknown",
    });
    await eventually(
      () => messageRow(stuckQueued.messageId),
      (row) => row?.status === "sent",
    );
  });
});
