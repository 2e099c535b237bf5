// Cloudflare Queues' limits (developers.cloudflare.com/queues/platform/limits/): a message holds at
// most 128 KB, a sendBatch call takes at most 100 messages or 256 KB in total. "1 KB is measured as
// 1000 bytes", and each message carries up to ~100 bytes of internal metadata that counts towards
// the limits. Sizes are measured as the body's JSON in UTF-8 bytes: a character outside ASCII takes
// 2 to 4 of them, so counting string length would let a non-Latin body through at twice the limit.
export const MAX_BATCH_MESSAGES = 100;
export const MAX_BATCH_BYTES = 256_000;
export const MAX_MESSAGE_BYTES = 128_000;
const METADATA_BYTES = 100;

export interface QueueRequest<Body> {
  body: Body;
  delaySeconds?: number;
}

/** A message the queue would refuse: thrown before any message of the call is sent. */
export class QueueMessageTooLargeError extends Error {
  override name = "QueueMessageTooLargeError";
}

const encoder = new TextEncoder();

const sizeOf = (body: unknown) => encoder.encode(JSON.stringify(body)).length + METADATA_BYTES;

/** Throws, before anything is sent, if any request is over the queue's per-message limit. */
export function assertQueueable(requests: readonly QueueRequest<unknown>[], label = "queue"): number[] {
  const sizes = requests.map((request) => sizeOf(request.body));
  const tooLarge = sizes.find((size) => size > MAX_MESSAGE_BYTES);
  if (tooLarge !== undefined) {
    throw new QueueMessageTooLargeError(
      `a ${label} message of ${tooLarge} bytes (with the queue's metadata) is over Cloudflare Queues' limit of ${MAX_MESSAGE_BYTES} bytes`,
    );
  }
  return sizes;
}

/**
 * Puts every request on the queue, in order, in as few sendBatch calls as the limits allow. Sizes
 * are checked first, so a message over the limit fails the call before anything is sent and the
 * caller's retry does not send the rest twice.
 */
export async function sendInBatches<Body>(
  queue: Pick<Queue<Body>, "sendBatch">,
  requests: readonly QueueRequest<Body>[],
  label = "queue",
): Promise<void> {
  const sizes = assertQueueable(requests, label);
  let batch: QueueRequest<Body>[] = [];
  let bytes = 0;
  for (const [i, request] of requests.entries()) {
    const size = sizes[i] as number;
    if (batch.length === MAX_BATCH_MESSAGES || bytes + size > MAX_BATCH_BYTES) {
      await queue.sendBatch(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(request);
    bytes += size;
  }
  if (batch.length > 0) await queue.sendBatch(batch);
}
