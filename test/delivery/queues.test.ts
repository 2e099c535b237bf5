import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { dispatchQueue, queueRole } from "../../src/consumers/dispatch";
import worker from "../../src/index";

const messages = (count: number, attempts = 1) =>
  Array.from({ length: count }, (_, i) => ({
    id: `msg-${i}`,
    timestamp: new Date(0),
    attempts,
    body: { recipient: "+917428526285", campaignId: "cmp_1", apiKey: "wak_secret" },
  }));

let warn: MockInstance;
let error: MockInstance;

beforeEach(() => {
  warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  error = vi.spyOn(console, "error").mockImplementation(() => {});
});

afterEach(() => {
  vi.restoreAllMocks();
});

const logged = (spy: MockInstance) => spy.mock.calls.map((call) => JSON.parse(call[0] as string));

describe("queueRole", () => {
  it.each([
    ["wa-campaigns-sends", { role: "sends", deadLetter: false }],
    ["wa-campaigns-jobs", { role: "jobs", deadLetter: false }],
    ["wa-campaigns-events", { role: "events", deadLetter: false }],
    ["wa-campaigns-sends-dlq", { role: "sends", deadLetter: true }],
    ["wa-campaigns-events-dlq", { role: "events", deadLetter: true }],
    ["other-worker-sends", { role: "sends", deadLetter: false }],
    ["wa-campaigns-unknown", { role: null, deadLetter: false }],
    ["sends", { role: null, deadLetter: false }],
    ["wa-campaigns-unknown-dlq", { role: null, deadLetter: true }],
  ])("reads %s", (name, expected) => {
    expect(queueRole(name)).toEqual(expected);
  });
});

describe("queue dispatcher, through the Worker's queue handler", () => {
  // The sends DLQ has its own consumer (test/pipeline.test.ts); the others log and ack.
  it.each(["wa-campaigns-jobs-dlq", "wa-campaigns-events-dlq"])(
    "acks every message of a dead-letter batch from %s and logs each one",
    async (queue) => {
      const batch = createMessageBatch(queue, messages(3, 11));
      const ctx = createExecutionContext();
      await worker.queue(batch, env, ctx);
      const result = await getQueueResult(batch, ctx);
      expect(result).toEqual({
        outcome: "ok",
        ackAll: false,
        retryBatch: { retry: false },
        explicitAcks: ["msg-0", "msg-1", "msg-2"],
        retryMessages: [],
      });
      expect(logged(error)).toEqual(
        ["msg-0", "msg-1", "msg-2"].map((messageId) => ({
          level: "error",
          msg: "dead letter",
          queue,
          messageId,
          attempts: 11,
          time: expect.any(String),
        })),
      );
      // The log line carries ids and counts, never the message body.
      expect(JSON.stringify(error.mock.calls)).not.toMatch(/wak_secret|7428526285/);
    },
  );

  it("acks an empty dead-letter batch without logging", async () => {
    const batch = createMessageBatch("wa-campaigns-sends-dlq", []);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    expect(await getQueueResult(batch, ctx)).toMatchObject({ outcome: "ok", explicitAcks: [], retryMessages: [] });
    expect(error).not.toHaveBeenCalled();
  });

  it.each(["wa-campaigns-jobs", "wa-campaigns-unknown"])(
    "retries the whole batch from %s when no consumer handles its messages",
    async (queue) => {
      const batch = createMessageBatch(queue, messages(2));
      // The test batch records that the batch was retried but not the delay asked for: spy for it.
      const retryAll = vi.spyOn(batch, "retryAll");
      const ctx = createExecutionContext();
      await worker.queue(batch, env, ctx);
      const result = await getQueueResult(batch, ctx);
      expect(result).toEqual({
        outcome: "ok",
        ackAll: false,
        retryBatch: { retry: true },
        explicitAcks: [],
        retryMessages: [],
      });
      expect(retryAll).toHaveBeenCalledTimes(1);
      expect(retryAll).toHaveBeenCalledWith({ delaySeconds: 60 });
      expect(logged(warn)).toEqual([
        {
          level: "warn",
          msg: "no consumer for queue yet; messages retried",
          queue,
          count: 2,
          time: expect.any(String),
        },
      ]);
      expect(error).not.toHaveBeenCalled();
    },
  );
});

describe("queue dispatcher with handlers", () => {
  it("hands a batch to the handler for its queue's role and nothing else", async () => {
    const sends = vi.fn(async (batch: MessageBatch) => batch.ackAll());
    const jobs = vi.fn(async () => {});
    const batch = createMessageBatch("wa-campaigns-sends", messages(2));
    const ctx = createExecutionContext();
    await dispatchQueue(batch, env, ctx, { sends, jobs });
    expect(sends).toHaveBeenCalledTimes(1);
    expect(sends).toHaveBeenCalledWith(batch, env, ctx);
    expect(jobs).not.toHaveBeenCalled();
    expect(await getQueueResult(batch, ctx)).toMatchObject({ ackAll: true, retryBatch: { retry: false } });
    expect(warn).not.toHaveBeenCalled();
  });

  it("never gives a dead-letter batch to the role's handler", async () => {
    const sends = vi.fn(async () => {});
    const batch = createMessageBatch("wa-campaigns-sends-dlq", messages(1));
    const ctx = createExecutionContext();
    await dispatchQueue(batch, env, ctx, { sends });
    expect(sends).not.toHaveBeenCalled();
    expect(await getQueueResult(batch, ctx)).toMatchObject({ explicitAcks: ["msg-0"] });
  });

  it("retries a batch whose role has no handler even when others have one", async () => {
    const batch = createMessageBatch("wa-campaigns-events", messages(1));
    const retryAll = vi.spyOn(batch, "retryAll");
    const sends = vi.fn(async () => {});
    const ctx = createExecutionContext();
    await dispatchQueue(batch, env, ctx, { sends });
    expect(await getQueueResult(batch, ctx)).toMatchObject({ retryBatch: { retry: true }, explicitAcks: [] });
    expect(retryAll).toHaveBeenCalledWith({ delaySeconds: 60 });
    expect(sends).not.toHaveBeenCalled();
  });

  it("lets a handler's failure propagate, so the runtime retries the batch", async () => {
    const batch = createMessageBatch("wa-campaigns-jobs", messages(1));
    const ctx = createExecutionContext();
    const failing = async () => {
      throw new Error("boom");
    };
    await expect(dispatchQueue(batch, env, ctx, { jobs: failing })).rejects.toThrow("boom");
  });
});
