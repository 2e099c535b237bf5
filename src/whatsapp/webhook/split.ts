import type { WebhookPayload } from "./payload";

// A queue message holds at most 128 KB, and a webhook may carry up to 3 MB of statuses: it is cut
// into parts of one change with at most STATUSES_PER_PART statuses, a few KB each (the producer
// groups the parts into sendBatch calls).
const STATUSES_PER_PART = 20;

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
