// Quick-reply buttons of a broadcast campaign carry a payload naming the campaign and the button,
// so that a press (an inbound `button` message) finds its input group or journey without a lookup
// of the message it answers.
const PREFIX = "bcb";

export interface ButtonRef {
  campaignId: string;
  /** The button's index in the campaign's `buttons`. */
  index: number;
}

export const buttonPayload = (ref: ButtonRef) => `${PREFIX}:${ref.campaignId}:${ref.index}`;

export function parseButtonPayload(payload: string | null | undefined): ButtonRef | null {
  if (!payload) return null;
  const [prefix, campaignId, index] = payload.split(":");
  if (prefix !== PREFIX || !campaignId || index === undefined || !/^\d{1,2}$/.test(index)) return null;
  return { campaignId, index: Number(index) };
}
