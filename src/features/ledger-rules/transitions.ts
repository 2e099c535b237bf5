import type { MessageStatus } from "../../platform/db/schema";

// A message's status only moves forward: queued → sending → sent → delivered → read. `failed` is
// reachable from any state before delivery and is final, as is `skipped` — except a failure whose
// outcome was unknown (the send may have reached Meta, and nobody heard back in time): Meta's own
// word that it was sent, delivered or read still applies. Webhooks arrive late, twice and out of
// order; a status that would move a message backwards changes nothing.
const RANK: Record<MessageStatus, number> = {
  queued: 0,
  sending: 1,
  sent: 2,
  delivered: 3,
  read: 4,
  failed: 5,
  skipped: 5,
};

export function canMove(from: MessageStatus, to: MessageStatus, fromClass: string | null = null): boolean {
  if (from === "failed" && fromClass === "unknown") return to === "sent" || to === "delivered" || to === "read";
  if (from === "failed" || from === "skipped") return false;
  if (to === "failed" || to === "skipped") return RANK[from] < RANK.delivered;
  return RANK[to] > RANK[from];
}

/**
 * The history status that marks a second wamid Meta reported for one message: it was sent twice.
 * The first wamid stays the message's; the second is kept once in its history (a replayed webhook
 * adds nothing) and logged, so an operator can count and trace detected duplicates.
 */
export const DUPLICATE_SEND = "duplicate";
