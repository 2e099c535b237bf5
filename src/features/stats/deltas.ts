import type { Counts } from "../../durable-objects/campaign-stats/counters";
import type { MessageStatus, Transition } from "../../platform/db/schema";
import { MARKETING_EXPERIMENT_CODE, MARKETING_LIMIT_CODE, NOT_ON_WHATSAPP_CODE } from "../../whatsapp/errors";

export { MARKETING_EXPERIMENT_CODE, MARKETING_LIMIT_CODE, NOT_ON_WHATSAPP_CODE };

/** Failures that are not ours, counted in their own bucket instead of a send or delivery error. */
export const OWN_BUCKET: Readonly<Record<number, "notOnWhatsApp" | "marketingLimited" | "marketingExperiment">> = {
  [NOT_ON_WHATSAPP_CODE]: "notOnWhatsApp",
  [MARKETING_LIMIT_CODE]: "marketingLimited",
  [MARKETING_EXPERIMENT_CODE]: "marketingExperiment",
};

// Statuses a message can hold before WhatsApp accepted it (before `sent`), and before it reached the
// phone (before `delivered`).
const BEFORE_SENT: ReadonlySet<MessageStatus> = new Set(["queued", "sending"]);
const BEFORE_DELIVERED: ReadonlySet<MessageStatus> = new Set(["queued", "sending", "sent"]);

/**
 * What one real state transition adds to its campaign's counters. Every counter only ever grows,
 * and counts messages that have ever reached that stage (not messages currently in it):
 *
 * - `null → queued`: queued +1 (the message was recorded for sending).
 * - `null → skipped`, or `queued/sending → skipped`: skipped +1 (recorded, but never to be sent,
 *   e.g. the contact opted out). A message queued first and skipped later counts in both.
 * - `queued/sending → sent`: sent +1.
 * - `→ delivered`: delivered +1, and sent +1 when the message had not been counted as sent yet
 *   (it came from queued or sending: Meta's `sent` webhook was lost or is still on its way and will
 *   then change nothing, as a status never moves a message backwards).
 * - `→ read`: read +1, plus delivered +1 when it came from before delivered, plus sent +1 when it
 *   came from before sent: a read without a delivered counts as both.
 * - `queued/sending → failed`: sendErrors +1 (WhatsApp did not accept the message).
 * - `sent → failed`: deliveryErrors +1 (accepted, then not delivered). It stays counted as sent.
 * - A failure with Meta's code 131026 counts as notOnWhatsApp +1 INSTEAD of a send or delivery
 *   error, whichever stage it failed at; likewise 131049 (Meta's per-user marketing limit) as
 *   marketingLimited and 130472 (Meta's marketing experiment) as marketingExperiment: Meta held
 *   those messages, nothing about the number or the send was wrong.
 * - `failed → sent/delivered/read` (a failure whose outcome was unknown, overturned by Meta's word):
 *   sendErrors −1, and the counts of `sending →` the same status. The one counter that shrinks.
 * - Anything else (`queued → sending`, a `from` equal to `to`, a transition the status rules do not
 *   allow) changes nothing.
 *
 * Each counter depends only on the transition, not on the order transitions arrive in, so the
 * per-run invariants read ≤ delivered ≤ sent hold whatever the order of real transitions.
 * Duplicates are the caller's concern: pass only transitions that actually happened (what
 * `applyStatus` returns), never replayed webhooks.
 */
export function deltasOf(transition: Pick<Transition, "from" | "to" | "error">): Partial<Counts> {
  const { from, to } = transition;
  if (from === "failed") {
    // Only a failure whose outcome was unknown moves on (Meta said it was sent after all): counted
    // as a send error then, it is taken back, and the message counts as if it came from sending.
    if (to !== "sent" && to !== "delivered" && to !== "read") return {};
    return { ...deltasOf({ from: "sending", to }), sendErrors: -1 };
  }
  if (from === null) {
    if (to === "queued") return { queued: 1 };
    if (to === "skipped") return { skipped: 1 };
    return {};
  }
  switch (to) {
    case "skipped":
      return BEFORE_SENT.has(from) ? { skipped: 1 } : {};
    case "sent":
      return BEFORE_SENT.has(from) ? { sent: 1 } : {};
    case "delivered":
      if (!BEFORE_DELIVERED.has(from)) return {};
      return BEFORE_SENT.has(from) ? { sent: 1, delivered: 1 } : { delivered: 1 };
    case "read": {
      if (!BEFORE_DELIVERED.has(from) && from !== "delivered") return {};
      const deltas: Partial<Counts> = { read: 1 };
      if (BEFORE_DELIVERED.has(from)) deltas.delivered = 1;
      if (BEFORE_SENT.has(from)) deltas.sent = 1;
      return deltas;
    }
    case "failed": {
      if (!BEFORE_DELIVERED.has(from)) return {};
      const bucket = OWN_BUCKET[transition.error?.code ?? 0];
      if (bucket) return { [bucket]: 1 };
      return BEFORE_SENT.has(from) ? { sendErrors: 1 } : { deliveryErrors: 1 };
    }
    default:
      return {};
  }
}

/** Adds `deltas` into `into` (in place) and returns it. */
export function addDeltas(into: Partial<Counts>, deltas: Partial<Counts>): Partial<Counts> {
  for (const [name, value] of Object.entries(deltas) as [keyof Counts, number][]) {
    into[name] = (into[name] ?? 0) + value;
  }
  return into;
}
