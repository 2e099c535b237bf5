import type { TemplateCategory, TemplateDefinition } from "../../whatsapp/provider";

// Meta's ranges for a template's message validity period (`message_send_ttl_seconds`, its
// time-to-live guide). A marketing template's period is honoured only when it is sent through the
// Marketing Messages API; through Cloud API Meta keeps its 30-day default.

export const TTL_RANGES: Record<TemplateCategory, { min: number; max: number; thirtyDays: boolean }> = {
  AUTHENTICATION: { min: 30, max: 900, thirtyDays: true },
  UTILITY: { min: 30, max: 43_200, thirtyDays: true },
  MARKETING: { min: 43_200, max: 2_592_000, thirtyDays: false },
};

/** What is wrong with a definition's `messageSendTtlSeconds` for its category, if anything. */
export function ttlIssues(
  definition: Pick<TemplateDefinition, "category" | "messageSendTtlSeconds">,
): { path: string[]; message: string }[] {
  const ttl = definition.messageSendTtlSeconds;
  if (ttl === undefined) return [];
  const range = TTL_RANGES[definition.category];
  if (Number.isInteger(ttl) && ((ttl === -1 && range.thirtyDays) || (ttl >= range.min && ttl <= range.max))) return [];
  const thirtyDays = range.thirtyDays ? ", or -1 for 30 days" : "";
  return [
    {
      path: ["messageSendTtlSeconds"],
      message: `must be whole seconds from ${range.min} to ${range.max} for a ${definition.category} template${thirtyDays}`,
    },
  ];
}
