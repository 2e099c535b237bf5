import type { WebhookPayload } from "./payload";

// A queue message holds at most 128 KB and a sendBatch call 100 messages and 256 KB. A webhook may
// carry up to 3 MB of statuses, so it is cut into parts of one change with at most
// STATUSES_PER_PART statuses, and the parts are grouped into batches that respect both limits.
const STATUSES_PER_PART = 20;
const MAX_BATCH_MESSAGES = 100;
const MAX_BATCH_BYTES = 200 * 1024;

/** Groups queue bodies into sendBatch-sized groups. */
export function batchesOf<T>(bodies: T[]): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const body of bodies) {
    const size = JSON.stringify(body).length;
    if (current.length > 0 && (current.length >= MAX_BATCH_MESSAGES || bytes + size > MAX_BATCH_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(body);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

export function splitForQueue(payload: WebhookPayload): WebhookPayload[] {
  const parts: WebhookPayload[] = [];
  for (const entry of payload.entry) {
    for (const change of entry.changes) {
      const { statuses, ...rest } = change.value;
      const piece = (value: typeof change.value) => ({
        object: payload.object,
        entry: [{ ...entry, changes: [{ ...change, value }] }],
      });
      if (!statuses || statuses.length <= STATUSES_PER_PART) {
        parts.push(piece(change.value));
        continue;
      }
      for (let i = 0; i < statuses.length; i += STATUSES_PER_PART) {
        parts.push(piece({ ...rest, statuses: statuses.slice(i, i + STATUSES_PER_PART) }));
      }
    }
  }
  return parts;
}
