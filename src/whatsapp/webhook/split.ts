import type { WebhookChange, WebhookPayload } from "./payload";

// A queue message holds at most 128 KB, and a webhook may carry up to 3 MB of statuses: it is cut
// into parts of one change with at most STATUSES_PER_PART statuses, a few KB each (the producer
// groups the parts into sendBatch calls).
//
// The envelope is read without trusting it: an entry or a change that is not what Meta documents
// is set aside with its reason, and everything around it still goes through. What is inside a
// change's value is not read here, only its business number (to route it), so the accept path
// stays a few object walks whatever Meta sends.
const STATUSES_PER_PART = 20;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A piece of a signed body that could not be made into a part, with why. */
export interface UnreadablePiece {
  reason: string;
  /** The piece in as much of its envelope as could be read, so that a fixed reader can read it again. */
  payload: unknown;
}

export interface SplitPayload {
  parts: WebhookPayload[];
  unreadable: UnreadablePiece[];
}

const idOf = (value: unknown) =>
  typeof value === "string" ? value : typeof value === "number" ? String(value) : undefined;

/** The business phone number id a part's one change speaks for, string or number, if it names one. */
export function phoneNumberIdOf(part: WebhookPayload): string | undefined {
  const metadata = part.entry[0]?.changes[0]?.value.metadata;
  return isRecord(metadata) ? idOf(metadata.phone_number_id) : undefined;
}

export function splitForQueue(body: unknown): SplitPayload {
  const parts: WebhookPayload[] = [];
  const unreadable: UnreadablePiece[] = [];
  if (!isRecord(body) || !Array.isArray(body.entry)) {
    unreadable.push({ reason: "the body has no `entry` array", payload: body });
    return { parts, unreadable };
  }
  const object = typeof body.object === "string" ? body.object : undefined;
  body.entry.forEach((entry: unknown, e) => {
    const wabaId = isRecord(entry) ? idOf(entry.id) : undefined;
    if (!isRecord(entry) || wabaId === undefined || !Array.isArray(entry.changes)) {
      unreadable.push({
        reason: `entry[${e}] has no \`id\` or no \`changes\` array`,
        payload: { ...(object === undefined ? {} : { object }), entry: [entry] },
      });
      return;
    }
    const { changes, ...entryRest } = entry;
    changes.forEach((change: unknown, c) => {
      if (!isRecord(change) || typeof change.field !== "string" || !isRecord(change.value)) {
        unreadable.push({
          reason: `entry[${e}].changes[${c}] has no \`field\` name or no \`value\` object`,
          payload: { ...(object === undefined ? {} : { object }), entry: [{ id: wabaId, changes: [change] }] },
        });
        return;
      }
      const typed = change as WebhookChange;
      const piece = (value: WebhookChange["value"]): WebhookPayload => ({
        ...(object === undefined ? {} : { object }),
        entry: [{ ...entryRest, id: wabaId, changes: [{ ...typed, value }] }],
      });
      const statuses = typed.value.statuses as unknown;
      if (!Array.isArray(statuses) || statuses.length <= STATUSES_PER_PART) {
        parts.push(piece(typed.value));
        return;
      }
      for (let i = 0; i < statuses.length; i += STATUSES_PER_PART) {
        parts.push(piece({ ...typed.value, statuses: statuses.slice(i, i + STATUSES_PER_PART) }));
      }
    });
  });
  return { parts, unreadable };
}
