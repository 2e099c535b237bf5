// Meta's messaging limit: unique WhatsApp users a business portfolio may start conversations with
// (business-initiated messages, outside a customer service window) in a moving 24 hours. Shared by
// every number of the portfolio since October 2025. Meta writes it as a tier (`TIER_2K`, from the
// phone number's `whatsapp_business_manager_messaging_limit` and the quality webhook) or as a
// number (`business_capability_update`'s `max_daily_conversations_per_business`, -1 unlimited);
// both are kept as the tier.

export const UNLIMITED_TIER = "TIER_UNLIMITED";

const TIER = /^TIER_(\d+)(K?)$/;

/** Meta's tier for a limit however Meta wrote it; null when it is not one. */
export function normalizeTier(value: unknown): string | null {
  if (typeof value === "number" || (typeof value === "string" && /^-?\d+$/.test(value.trim()))) {
    const n = Number(value);
    if (n === -1) return UNLIMITED_TIER;
    if (!Number.isInteger(n) || n <= 0) return null;
    return n % 1000 === 0 ? `TIER_${n / 1000}K` : `TIER_${n}`;
  }
  if (typeof value !== "string") return null;
  const tier = value.trim().toUpperCase();
  return tier === UNLIMITED_TIER || TIER.test(tier) ? tier : null;
}

/** Recipients per 24 hours a tier allows: a number, or null for unlimited. Undefined: not a tier. */
export function perDay(tier: string | null): number | null | undefined {
  if (tier === null) return undefined;
  if (tier === UNLIMITED_TIER) return null;
  const match = TIER.exec(tier);
  if (!match) return undefined;
  return Number(match[1]) * (match[2] === "K" ? 1000 : 1);
}
