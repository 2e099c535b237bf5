import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { type IdempotencyKeys, IN_PROGRESS_TAKEOVER_MS } from "../../src/durable-objects/idempotency";
import { MESSAGE_ID } from "../../src/platform/ids";
import { call, expectError } from "../helpers";
import { eventually, projectMessageCount } from "../messages/messages.helpers";
import { base, SEND_PATH, send, setup } from "./api-send.helpers";

describe("Idempotency-Key: what counts as the same request", { timeout: 30_000 }, () => {
  it("replays for the same body in another key order, and with the API key in the header instead of the body", async () => {
    const s = await setup();
    const body = base(s);
    const first = await send(body, { "idempotency-key": "order-7" });
    expect(first.status, JSON.stringify(first.body)).toBe(200);

    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const second = await send(reordered, { "idempotency-key": "order-7" });
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(second.body).toEqual(first.body);

    const { apiKey, ...withoutKey } = body;
    const third = await call("POST", SEND_PATH, {
      body: withoutKey,
      key: apiKey,
      headers: { "idempotency-key": "order-7" },
    });
    expect(third.status, JSON.stringify(third.body)).toBe(200);
    expect(third.body).toEqual(first.body);
  });

  it("does not replay a refusal that depends on the campaign's state: 409 while paused, 200 once resumed", async () => {
    const s = await setup();
    const campaigns = await call("GET", "/v1/api-campaigns", { key: s.manager });
    const campaignId = campaigns.body.data[0].id as string;
    expect((await call("POST", `/v1/api-campaigns/${campaignId}/pause`, { key: s.manager })).status).toBe(200);
    expectError(await send(base(s), { "idempotency-key": "after-pause" }), 409, "conflict", ["campaignName"]);
    expect((await call("POST", `/v1/api-campaigns/${campaignId}/resume`, { key: s.manager })).status).toBe(200);
    const retried = await send(base(s), { "idempotency-key": "after-pause" });
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.headers.get("idempotent-replayed")).toBeNull();
  });
});

describe("Idempotency-Key: a retry after a failure", { timeout: 30_000 }, () => {
  it("sends one message, under the id the key reserved on its first request", async () => {
    const s = await setup();
    const sendBatch = vi.spyOn(Object.getPrototypeOf(env.SENDS), "sendBatch");
    sendBatch.mockRejectedValueOnce(new Error("queue unavailable"));
    try {
      const failed = await send(base(s), { "idempotency-key": "flaky" });
      expectError(failed, 500, "internal_error");
      const retried = await send(base(s), { "idempotency-key": "flaky" });
      expect(retried.status, JSON.stringify(retried.body)).toBe(200);
      const ids = sendBatch.mock.calls.map(
        (args) => [...(args[0] as Iterable<{ body: { messageId: string } }>)][0]?.body.messageId,
      );
      expect(ids).toEqual([retried.body.messageId, retried.body.messageId]);
    } finally {
      sendBatch.mockRestore();
    }
    await eventually(
      () => projectMessageCount(s.id),
      (n) => n === 1,
    );
  });

  it("takes over a key whose first request stopped mid-way, keeping its message id", async () => {
    const stub = env.IDEMPOTENCY.get(env.IDEMPOTENCY.idFromName(`prj_test:stalled-${crypto.randomUUID()}`));
    await runInDurableObject(stub, async (keys: IdempotencyKeys) => {
      const t0 = Date.now();
      const first = await keys.begin("fingerprint", t0);
      expect(first).toEqual({ kind: "first", messageId: expect.stringMatching(MESSAGE_ID) });
      // The request that began the key never completed nor abandoned it (its Worker was stopped).
      const takeover = await keys.begin("fingerprint", t0 + IN_PROGRESS_TAKEOVER_MS + 1);
      expect(takeover).toEqual(first);
      expect(await keys.begin("another body", t0 + IN_PROGRESS_TAKEOVER_MS + 2)).toEqual({ kind: "conflict" });
    });
  });
});
