import { assertQueueable, type QueueRequest, sendInBatches } from "../platform/queue-batches";
import { queueShards, shardIndex } from "../platform/queue-shards";
import type { CallbacksBody, EventsBody, JobsBody, SendsQueueBody } from "./contracts";

/** A body as is, or with its own delay (e.g. a journey's later steps). */
export type Outgoing<Body> = Body | (QueueRequest<Body> & { kind?: never });

export interface ProduceOptions {
  /** Delay for every message that does not name its own. */
  delaySeconds?: number;
}

// Every contract body has a string `kind`; a request wrapping one has none.
const isRequest = <Body extends { kind: string }>(item: Outgoing<Body>): item is QueueRequest<Body> =>
  typeof (item as { kind?: unknown }).kind !== "string";

function requests<Body extends { kind: string }>(
  items: readonly Outgoing<Body>[],
  options: ProduceOptions,
): QueueRequest<Body>[] {
  return items.map((item) => {
    const request: QueueRequest<Body> = isRequest(item) ? { ...item } : { body: item };
    if (request.delaySeconds === undefined && options.delaySeconds !== undefined)
      request.delaySeconds = options.delaySeconds;
    return request;
  });
}

/**
 * Puts requests on a sharded queue (src/platform/queue-shards.ts), each on its key's shard, in
 * order within a shard. Every size is checked before anything is sent, as with one queue.
 */
async function sendSharded<Body>(
  env: object,
  binding: string,
  all: readonly QueueRequest<Body>[],
  keyOf: (body: Body) => string,
  label: string,
): Promise<void> {
  const shards = queueShards<Body>(env, binding);
  if (shards.length === 1) return sendInBatches(shards[0] as (typeof shards)[0], all, label);
  assertQueueable(all, label);
  const groups = shards.map((): QueueRequest<Body>[] => []);
  for (const request of all) groups[shardIndex(keyOf(request.body), shards.length)]?.push(request);
  for (const [i, group] of groups.entries()) {
    if (group.length > 0) await sendInBatches(shards[i] as (typeof shards)[0], group, `${label} shard ${i}`);
  }
}

/** Puts messages on the `sends` queue (its project's shard), chunked to the platform's limits, in order. */
export const sendSends = (
  env: Pick<Env, "SENDS">,
  items: readonly Outgoing<SendsQueueBody>[],
  options: ProduceOptions = {},
) => sendSharded<SendsQueueBody>(env, "SENDS", requests(items, options), (body) => body.projectId, "sends");

/** Puts messages on the `jobs` queue, chunked to the platform's limits, in order. */
export const sendJobs = (env: Pick<Env, "JOBS">, items: readonly Outgoing<JobsBody>[], options: ProduceOptions = {}) =>
  sendInBatches<JobsBody>(env.JOBS, requests(items, options), "jobs");

/** Puts messages on the `callbacks` queue, chunked to the platform's limits, in order. */
export const sendCallbacks = (
  env: Pick<Env, "CALLBACKS">,
  items: readonly Outgoing<CallbacksBody>[],
  options: ProduceOptions = {},
) => sendInBatches<CallbacksBody>(env.CALLBACKS, requests(items, options), "callbacks");

/** The number a webhook speaks for, else its project: one number's events share a shard. */
const eventKey = (body: EventsBody) =>
  String(body.payload.entry[0]?.changes[0]?.value.metadata?.phone_number_id ?? body.projectId);

/** Puts messages on the `events` queue (their number's shard), chunked to the platform's limits, in order. */
export const sendEvents = (
  env: Pick<Env, "EVENTS">,
  items: readonly Outgoing<EventsBody>[],
  options: ProduceOptions = {},
) => sendSharded<EventsBody>(env, "EVENTS", requests(items, options), eventKey, "events");

/** A stored message, as far as the sends queue needs to know it. */
export interface StoredMessage {
  id: string;
  projectId: string;
  campaignId: string | null;
  runId: string | null;
}

/**
 * Points the `sends` queue at messages already stored as queued (a resumed campaign or run, the
 * sweep). The consumer's claim makes a message that is already on the queue harmless.
 */
export const sendStoredMessages = (env: Pick<Env, "SENDS">, rows: readonly StoredMessage[]) =>
  sendSends(
    env,
    rows.map((m) => ({
      kind: "send",
      projectId: m.projectId,
      messageId: m.id,
      ...(m.campaignId ? { campaignId: m.campaignId } : {}),
      ...(m.runId ? { runId: m.runId } : {}),
    })),
  );
