import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { dispatchQueue, type QueueHandlers, queueRole } from "../../src/consumers/dispatch";
import worker from "../../src/index";
import { runQueueBatch } from "../helpers";

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

/** A consumer for every role that does nothing, with the given ones in their place. */
const handlersWith = (handlers: Partial<QueueHandlers>): QueueHandlers => ({
  sends: vi.fn(async () => {}),
  jobs: vi.fn(async () => {}),
  events: vi.fn(async () => {}),
  "sends-dlq": vi.fn(async () => {}),
  "jobs-dlq": vi.fn(async () => {}),
  "events-dlq": vi.fn(async () => {}),
  callbacks: vi.fn(async () => {}),
  "callbacks-dlq": vi.fn(async () => {}),
  ...handlers,
});

describe("queueRole", () => {
  it.each([
    ["wa-campaigns-sends", { role: "sends", deadLetter: false }],
    ["wa-campaigns-jobs", { role: "jobs", deadLetter: false }],
    ["wa-campaigns-events", { role: "events", deadLetter: false }],
    ["wa-campaigns-callbacks", { role: "callbacks", deadLetter: false }],
    ["wa-campaigns-callbacks-dlq", { role: "callbacks", deadLetter: true }],
    ["wa-campaigns-sends-dlq", { role: "sends", deadLetter: true }],
    ["wa-campaigns-events-dlq", { role: "events", deadLetter: true }],
    ["other-worker-sends", { role: "sends", deadLetter: false }],
    ["wa-campaigns-events-1", { role: "events", deadLetter: false }],
    ["wa-campaigns-sends-12", { role: "sends", deadLetter: false }],
    ["wa-campaigns-events-1-dlq", { role: "events", deadLetter: true }],
    ["wa-campaigns-1", { role: null, deadLetter: false }],
    ["wa-campaigns-unknown", { role: null, deadLetter: false }],
    ["sends", { role: null, deadLetter: false }],
    ["wa-campaigns-unknown-dlq", { role: null, deadLetter: true }],
  ])("reads %s", (name, expected) => {
    expect(queueRole(name)).toEqual(expected);
  });
});

describe("queue dispatcher, through the Worker's queue handler", () => {
  // Every known queue's DLQ has its own consumer (test/delivery/pipeline.test.ts for sends,
  // test/dead-letters/ for jobs and events); only a queue no code knows falls back to the log.
  it("acks every message of an unknown queue's dead-letter batch and logs each one, without its body", async () => {
    const queue = "wa-campaigns-unknown-dlq";
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
        msg: "dead letter of an unknown queue",
        queue,
        messageId,
        attempts: 11,
        time: expect.any(String),
      })),
    );
    expect(JSON.stringify(error.mock.calls)).not.toMatch(/wak_secret|7428526285/);
  });

  it("acks an empty dead-letter batch without logging", async () => {
    const batch = createMessageBatch("wa-campaigns-sends-dlq", []);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    expect(await getQueueResult(batch, ctx)).toMatchObject({ outcome: "ok", explicitAcks: [], retryMessages: [] });
    expect(error).not.toHaveBeenCalled();
  });

  it("retries each message of a queue no code knows with backoff, and logs the batch at error", async () => {
    const queue = "wa-campaigns-unknown";
    // Attempt 3: the backoff ceiling is 2 s · 2² = 8 s; full jitter at 0.5 gives 4 s.
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    const { result, retried } = await runQueueBatch(queue, messages(2, 3));
    expect(result).toEqual({
      outcome: "ok",
      ackAll: false,
      retryBatch: { retry: false },
      explicitAcks: [],
      retryMessages: [{ msgId: "msg-0" }, { msgId: "msg-1" }],
    });
    expect(retried).toEqual([
      { msgId: "msg-0", delaySeconds: 4 },
      { msgId: "msg-1", delaySeconds: 4 },
    ]);
    expect(logged(error)).toEqual([
      {
        level: "error",
        msg: "no consumer for this queue; messages retried",
        queue,
        count: 2,
        time: expect.any(String),
      },
    ]);
    expect(warn).not.toHaveBeenCalled();
  });

  it("retries a job of an unknown kind with backoff, logging its kind but never its body, and handles the rest", async () => {
    const queue = "wa-campaigns-jobs";
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    // The first has no kind, the second one no code knows.
    const unknown = messages(2, 3).map((m, i) => (i === 1 ? { ...m, body: { ...m.body, kind: "report" } } : m));
    // Handled: an import job whose import does not exist is acked as done.
    const known = {
      id: "msg-2",
      timestamp: new Date(0),
      attempts: 3,
      body: { kind: "import", importId: "imp_none", projectId: "prj_none" },
    };
    const { result, retried } = await runQueueBatch(queue, [...unknown, known]);
    expect(result).toEqual({
      outcome: "ok",
      ackAll: false,
      retryBatch: { retry: false },
      explicitAcks: ["msg-2"],
      retryMessages: [{ msgId: "msg-0" }, { msgId: "msg-1" }],
    });
    expect(retried).toEqual([
      { msgId: "msg-0", delaySeconds: 4 },
      { msgId: "msg-1", delaySeconds: 4 },
    ]);
    expect(logged(error)).toEqual([
      {
        level: "error",
        msg: "job of an unknown kind; will retry",
        queue,
        messageId: "msg-0",
        kind: null,
        attempts: 3,
        time: expect.any(String),
      },
      {
        level: "error",
        msg: "job of an unknown kind; will retry",
        queue,
        messageId: "msg-1",
        kind: "report",
        attempts: 3,
        time: expect.any(String),
      },
    ]);
    expect(JSON.stringify(error.mock.calls)).not.toMatch(/wak_secret|7428526285/);
  });
});

describe("queue dispatcher with handlers", () => {
  it("hands a batch to the handler for its queue's role and nothing else", async () => {
    const sends = vi.fn(async (batch: MessageBatch) => batch.ackAll());
    const jobs = vi.fn(async () => {});
    const batch = createMessageBatch("wa-campaigns-sends", messages(2));
    const ctx = createExecutionContext();
    await dispatchQueue(batch, env, ctx, handlersWith({ sends, jobs }));
    expect(sends).toHaveBeenCalledTimes(1);
    expect(sends).toHaveBeenCalledWith(batch, env, ctx);
    expect(jobs).not.toHaveBeenCalled();
    expect(await getQueueResult(batch, ctx)).toMatchObject({ ackAll: true, retryBatch: { retry: false } });
    expect(warn).not.toHaveBeenCalled();
  });

  it("gives a dead-letter batch to its dead-letter consumer, never to the role's handler", async () => {
    const sends = vi.fn(async () => {});
    const deadSends = vi.fn(async () => {});
    const batch = createMessageBatch("wa-campaigns-sends-dlq", messages(1));
    const ctx = createExecutionContext();
    await dispatchQueue(batch, env, ctx, handlersWith({ sends, "sends-dlq": deadSends }));
    expect(sends).not.toHaveBeenCalled();
    expect(deadSends).toHaveBeenCalledTimes(1);
    expect(deadSends).toHaveBeenCalledWith(batch, env, ctx);
  });

  it("lets a handler's failure propagate, so the runtime retries the batch", async () => {
    const batch = createMessageBatch("wa-campaigns-jobs", messages(1));
    const ctx = createExecutionContext();
    const failing = async () => {
      throw new Error("boom");
    };
    await expect(dispatchQueue(batch, env, ctx, handlersWith({ jobs: failing }))).rejects.toThrow("boom");
  });
});
