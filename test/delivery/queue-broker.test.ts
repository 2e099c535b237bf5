import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { receivedSends } from "../standin/standin.helpers";
import { sendBacklog } from "./backlog.helpers";
import { createQueueBroker, type QueueHandler } from "./queue-broker";

type Delivery = { id: string; attempts: number; at: number };

/** A consumer that records every delivery and settles each message as `settle` says ("throw": crash after the batch). */
function recording(settle: (message: Message) => unknown) {
  const deliveries: Delivery[] = [];
  const handler: QueueHandler = async (batch) => {
    let fail = false;
    for (const message of batch.messages) {
      deliveries.push({ id: message.id, attempts: message.attempts, at: Date.now() });
      if (settle(message) === "throw") fail = true;
    }
    if (fail) throw new Error("consumer crashed");
  };
  return { handler, deliveries };
}

const report = (fields: Record<string, unknown>) => ({
  startedAt: expect.any(Number),
  endedAt: expect.any(Number),
  drained: true,
  failedInvocations: 0,
  deadLettered: [],
  left: 0,
  peakConcurrency: expect.any(Number),
  ...fields,
});

describe("queue broker (Cloudflare Queues' rules at C concurrent invocations)", () => {
  it("dead-letters a message after max_retries + 1 deliveries, counting every push-back", async () => {
    const { handler, deliveries } = recording((message) => message.retry({ delaySeconds: 0 }));
    const broker = createQueueBroker({ concurrency: 2, maxRetries: 2, handler });
    broker.send([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(await broker.run()).toEqual(
      report({
        invocations: 3,
        deliveries: 9,
        acked: 0,
        pushBacks: 9,
        deadLettered: [
          { id: "m1", body: { n: 1 }, deliveries: 3 },
          { id: "m2", body: { n: 2 }, deliveries: 3 },
          { id: "m3", body: { n: 3 }, deliveries: 3 },
        ],
      }),
    );
    expect(deliveries.map((d) => `${d.id}#${d.attempts}`).sort()).toEqual(
      ["m1#1", "m1#2", "m1#3", "m2#1", "m2#2", "m2#3", "m3#1", "m3#2", "m3#3"].sort(),
    );
  });

  it("hands a batch out at most max_batch_size at a time, to C invocations at once", async () => {
    const { handler, deliveries } = recording((message) => message.ack());
    const slow: QueueHandler = async (batch, e, ctx) => {
      await handler(batch, e, ctx);
      await new Promise((resolve) => setTimeout(resolve, 50));
    };
    const broker = createQueueBroker({ concurrency: 3, maxBatchSize: 4, handler: slow });
    broker.send(Array.from({ length: 10 }, (_, n) => ({ n })));
    expect(await broker.run()).toEqual(
      report({ invocations: 3, deliveries: 10, acked: 10, pushBacks: 0, peakConcurrency: 3 }),
    );
    expect(deliveries).toHaveLength(10);
  });

  it("keeps a retried message invisible for its delaySeconds", async () => {
    const { handler, deliveries } = recording((message) =>
      message.attempts === 1 ? message.retry({ delaySeconds: 1 }) : message.ack(),
    );
    const broker = createQueueBroker({ concurrency: 4, handler });
    broker.send([{ n: 1 }]);
    expect(await broker.run()).toEqual(report({ invocations: 2, deliveries: 2, acked: 1, pushBacks: 1 }));
    const [first, second] = deliveries;
    expect(second?.attempts).toBe(2);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1000);
  });

  it("acks what a handler acked before it threw and retries the rest; a clean return acks the unsettled", async () => {
    const { handler, deliveries } = recording((message) => {
      if (message.attempts > 1) return;
      if ((message.body as { n: number }).n === 1) message.ack();
      else return "throw";
    });
    const broker = createQueueBroker({ concurrency: 1, handler });
    broker.send([{ n: 1 }, { n: 2 }]);
    expect(await broker.run()).toEqual(
      report({ invocations: 2, failedInvocations: 1, deliveries: 3, acked: 2, pushBacks: 1 }),
    );
    expect(deliveries.map((d) => `${d.id}#${d.attempts}`)).toEqual(["m1#1", "m2#1", "m2#2"]);
  });

  it("drives the real sends consumer: a small backlog goes out once per message, none pushed back", async () => {
    const backlog = await sendBacklog(30, 80);
    const broker = createQueueBroker({ concurrency: 3, maxBatchSize: 10 });
    broker.send(backlog.jobs);
    expect(await broker.run()).toEqual(report({ invocations: 3, deliveries: 30, acked: 30, pushBacks: 0 }));
    const sends = await receivedSends(backlog.account);
    expect(sends.filter((s) => s.accepted)).toHaveLength(30);
    expect(new Set(sends.map((s) => (s.body as { to: string }).to)).size).toBe(30);
    const statuses = await env.DB.prepare(
      "SELECT status, count(*) AS n FROM messages WHERE project_id = ? GROUP BY status",
    )
      .bind(backlog.projectId)
      .all();
    expect(statuses.results).toEqual([{ status: "sent", n: 30 }]);
  });
});
