import { describe, expect, it } from "vitest";
import { shardIndex } from "../../src/platform/queue-shards";
import type { EventsBody, JobsBody, SendJob } from "../../src/queues/contracts";
import { sendEvents, sendJobs, sendSends, sendStoredMessages } from "../../src/queues/producers";

/** A queue that records each sendBatch call's messages instead of sending them. */
function recordingQueue() {
  const calls: MessageSendRequest[][] = [];
  const queue = {
    sendBatch: async (messages: Iterable<MessageSendRequest>) => {
      calls.push([...messages]);
    },
    send: async () => {
      throw new Error("producers send through sendBatch only");
    },
  } as unknown as Queue;
  return { queue, calls };
}

const send = (i: number, note = ""): SendJob => ({
  kind: "send",
  projectId: "prj_1",
  messageId: `msg_${String(i).padStart(4, "0")}${note}`,
});

const bytesOf = (request: MessageSendRequest) => new TextEncoder().encode(JSON.stringify(request.body)).length;

describe("queue producers", () => {
  it("points the sends queue at stored messages, naming a campaign and run only where there is one", async () => {
    const { queue, calls } = recordingQueue();
    await sendStoredMessages({ SENDS: queue }, [
      { id: "msg_a", projectId: "prj_1", campaignId: "cmp_1", runId: "run_1" },
      { id: "msg_b", projectId: "prj_1", campaignId: "cmp_2", runId: null },
      { id: "msg_c", projectId: "prj_2", campaignId: null, runId: null },
    ]);
    expect(calls).toEqual([
      [
        { body: { kind: "send", projectId: "prj_1", messageId: "msg_a", campaignId: "cmp_1", runId: "run_1" } },
        { body: { kind: "send", projectId: "prj_1", messageId: "msg_b", campaignId: "cmp_2" } },
        { body: { kind: "send", projectId: "prj_2", messageId: "msg_c" } },
      ],
    ]);
  });

  it("sends 250 small bodies in three sendBatch calls of at most 100, in order", async () => {
    const { queue, calls } = recordingQueue();
    const bodies = Array.from({ length: 250 }, (_, i) => send(i));
    await sendSends({ SENDS: queue }, bodies);
    expect(calls.map((call) => call.length)).toEqual([100, 100, 50]);
    expect(calls.flat()).toEqual(bodies.map((body) => ({ body })));
  });

  it("splits by bytes: bodies that total more than 256 KB go in several calls", async () => {
    const { queue, calls } = recordingQueue();
    // 20,000 '€' are 20,000 characters but 60,000 bytes of UTF-8: six of them are 120 K
    // characters (one call, were characters counted) and 360 KB (two calls).
    const bodies = Array.from({ length: 6 }, (_, i) => send(i, "€".repeat(20_000)));
    await sendSends({ SENDS: queue }, bodies);
    expect(calls.map((call) => call.length)).toEqual([4, 2]);
    expect(calls.flat()).toEqual(bodies.map((body) => ({ body })));
    for (const call of calls) {
      // Each message also carries up to ~100 bytes of the platform's metadata.
      expect(call.reduce((total, request) => total + bytesOf(request) + 100, 0)).toBeLessThanOrEqual(256_000);
    }
  });

  it("refuses a body over 128 KB measured in UTF-8 bytes, before sending anything", async () => {
    const { queue, calls } = recordingQueue();
    // 50,000 characters, 150,000 bytes.
    const big = send(1, "€".repeat(50_000));
    await expect(sendSends({ SENDS: queue }, [send(0), big])).rejects.toThrow(
      "a sends message of 150158 bytes (with the queue's metadata) is over Cloudflare Queues' limit of 128000 bytes",
    );
    expect(calls).toEqual([]);
  });

  it("accepts bodies just under 128 KB, two to a call", async () => {
    const { queue, calls } = recordingQueue();
    const bodies = [0, 1, 2].map((i) => send(i, "x".repeat(127_000)));
    await sendSends({ SENDS: queue }, bodies);
    expect(calls.map((call) => call.length)).toEqual([2, 1]);
    expect(calls.flat().map((request) => request.body)).toEqual(bodies);
  });

  it("passes delaySeconds through, for the whole call or per message", async () => {
    const { queue, calls } = recordingQueue();
    const job: JobsBody = { kind: "run-start", runId: "run_1", projectId: "prj_1" };
    await sendJobs({ JOBS: queue }, [job, { ...job, runId: "run_2" }], { delaySeconds: 30 });
    await sendSends({ SENDS: queue }, [
      send(0),
      { body: send(1), delaySeconds: 2 },
      { body: send(2), delaySeconds: 4 },
    ]);
    expect(calls).toEqual([
      [
        { body: job, delaySeconds: 30 },
        { body: { ...job, runId: "run_2" }, delaySeconds: 30 },
      ],
      [{ body: send(0) }, { body: send(1), delaySeconds: 2 }, { body: send(2), delaySeconds: 4 }],
    ]);
  });

  it("sends nothing for no bodies", async () => {
    const { queue, calls } = recordingQueue();
    await sendEvents({ EVENTS: queue }, []);
    expect(calls).toEqual([]);
  });
});

const statusEvent = (phoneNumberId: string, projectId = "prj_1"): EventsBody => ({
  kind: "whatsapp-webhook",
  source: "meta",
  projectId,
  receivedAt: 0,
  payload: {
    object: "whatsapp_business_account",
    entry: [
      {
        id: "waba_1",
        changes: [
          { field: "messages", value: { messaging_product: "whatsapp", metadata: { phone_number_id: phoneNumberId } } },
        ],
      },
    ],
  } as EventsBody["payload"],
});

describe("sharded queues", () => {
  it("spreads sends over SENDS and its shards by project, each project's messages in order on one shard", async () => {
    const shards = [recordingQueue(), recordingQueue(), recordingQueue()];
    const env = { SENDS: shards[0]?.queue, SENDS_1: shards[1]?.queue, SENDS_2: shards[2]?.queue } as Pick<Env, "SENDS">;
    const bodies = Array.from({ length: 60 }, (_, i) => ({ ...send(i), projectId: `prj_${i % 12}` }));
    await sendSends(env, bodies);
    const received = shards.map((shard) => shard.calls.flat().map((request) => request.body as SendJob));
    expect(received.flat()).toHaveLength(60);
    for (const [i, bodiesOnShard] of received.entries()) {
      for (const body of bodiesOnShard) expect(shardIndex(body.projectId, 3)).toBe(i);
      // Within a shard, the order they were given in.
      expect(bodiesOnShard).toEqual(bodies.filter((body) => shardIndex(body.projectId, 3) === i));
    }
    // Twelve projects over three shards: none is left idle.
    expect(received.every((onShard) => onShard.length > 0)).toBe(true);
  });

  it("keeps one number's webhooks on one events shard, whatever project they were routed to", async () => {
    const shards = [recordingQueue(), recordingQueue()];
    const env = { EVENTS: shards[0]?.queue, EVENTS_1: shards[1]?.queue } as Pick<Env, "EVENTS">;
    const numbers = Array.from({ length: 8 }, (_, i) => `10${i}`);
    await sendEvents(
      env,
      numbers.flatMap((number) => [statusEvent(number, "prj_a"), statusEvent(number, "prj_b")]),
    );
    for (const [i, shard] of shards.entries()) {
      for (const request of shard.calls.flat()) {
        const number = (request.body as EventsBody).payload.entry[0]?.changes[0]?.value.metadata?.phone_number_id;
        expect(shardIndex(number as string, 2)).toBe(i);
      }
    }
    expect(shards.map((shard) => shard.calls.flat().length).reduce((a, b) => a + b)).toBe(16);
  });

  it("checks every size before sending to any shard", async () => {
    const shards = [recordingQueue(), recordingQueue()];
    const env = { SENDS: shards[0]?.queue, SENDS_1: shards[1]?.queue } as Pick<Env, "SENDS">;
    const bodies = Array.from({ length: 10 }, (_, i) => ({ ...send(i), projectId: `prj_${i}` }));
    bodies.push({ ...send(99, "€".repeat(50_000)), projectId: "prj_9" });
    await expect(sendSends(env, bodies)).rejects.toThrow("over Cloudflare Queues' limit");
    expect(shards.flatMap((shard) => shard.calls)).toEqual([]);
  });

  it("ends the shard list at a gap: SENDS_2 without SENDS_1 is not used", async () => {
    const shards = [recordingQueue(), recordingQueue()];
    const env = { SENDS: shards[0]?.queue, SENDS_2: shards[1]?.queue } as Pick<Env, "SENDS">;
    await sendSends(
      env,
      Array.from({ length: 20 }, (_, i) => ({ ...send(i), projectId: `prj_${i}` })),
    );
    expect(shards[0]?.calls.flat()).toHaveLength(20);
    expect(shards[1]?.calls).toEqual([]);
  });
});
