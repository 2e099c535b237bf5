import type { Recipient } from "./page";

// A fan-out page is recorded as ONE JSON value: D1 binds at most 100 parameters, and a run's
// object takes the page in one call. D1 and a Durable Object's SQLite both refuse a value over
// 2,000,000 bytes. A page of 500 recipients whose template takes long values (a variable group
// holds up to 50 fields of 1,024 characters) would pass that, and fail every delivery of its job.
// So a page ends where its payloads reach PAGE_PAYLOAD_BYTES, and the next page starts after the
// last contact it kept.

/** The payload bytes one page carries at most: half the value limit, for ids, numbers and bases. */
export const PAGE_PAYLOAD_BYTES = 1_000_000;

/** What a recipient adds to the page beside its payload (id, number, reason, JSON punctuation). */
const RECIPIENT_BYTES = 120;

const encoder = new TextEncoder();

/** How many of `recipients`, from the first, fit one page: at least one. */
export function recipientsThatFit(recipients: readonly Recipient[], budget = PAGE_PAYLOAD_BYTES): number {
  const lengths = recipients.map((r) => (r.payload === null ? 0 : JSON.stringify(r.payload).length));
  // A character is at most 3 bytes of UTF-8: an ordinary page is measured by its length alone.
  if (lengths.reduce((n, length) => n + length * 3 + RECIPIENT_BYTES, 0) <= budget) return recipients.length;
  let bytes = 0;
  for (const [i, r] of recipients.entries()) {
    bytes += RECIPIENT_BYTES + (r.payload === null ? 0 : encoder.encode(JSON.stringify(r.payload)).length);
    if (bytes > budget) return Math.max(1, i);
  }
  return recipients.length;
}
