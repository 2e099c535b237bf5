import { z } from "@hono/zod-openapi";
import { LIMIT_POLICIES } from "./check";

const standing = {
  tier: z.string().nullable().openapi({
    description:
      "Meta's messaging limit tier for the number's business portfolio (TIER_250, TIER_2K, TIER_10K, TIER_100K, TIER_UNLIMITED); null until Meta has said",
    example: "TIER_2K",
  }),
  limit: z.number().int().nullable().openapi({
    description: "Unique recipients per moving 24 hours the tier allows; null when unlimited or not known",
    example: 2000,
  }),
  used: z.number().int().nullable().openapi({
    description:
      "Unique recipients sent to in the last 24 hours by every project on the same WhatsApp Business Account (a person counts once); null when there is no limit to count against",
    example: 1450,
  }),
  remaining: z.number().int().nullable().openapi({ description: "limit − used, at least 0", example: 550 }),
};

export const MessagingLimitSchema = z.object(standing).openapi("MessagingLimit");

export const LimitCheckSchema = z
  .object({
    ...standing,
    recipients: z.number().int().openapi({ description: "Recipients the run would send to", example: 800 }),
    fit: z.number().int().openapi({ description: "How many of them fit in what is left", example: 550 }),
    fits: z.boolean().openapi({ description: "Whether all of them fit", example: false }),
  })
  .openapi("MessagingLimitCheck", { description: "A run's recipients against what is left of today's limit" });

export const LimitPolicySchema = z.enum(LIMIT_POLICIES).openapi({
  description:
    "When the run's recipients do not fit in what is left of the messaging limit: `wait` (default) keeps the run scheduled and looks again every 15 minutes until they fit; `refuse` does not start it (409 now, or the scheduled run fails); `send` sends anyway (Meta fails what exceeds the limit). A run larger than the whole limit is refused unless `send`.",
  example: "wait",
});
