import { z } from "zod";

// The `value` of Meta's `phone_number_quality_update` and `account_update` webhook fields, read
// liberally: every field optional, numbers or strings, unknown fields kept, a lone object where
// Meta documents a list accepted as a list of one.

const text = z
  .union([z.string(), z.number()])
  .transform((v) => String(v).trim())
  .optional()
  .nullable()
  .catch(undefined);

/** `phone_number_quality_update` (developers.facebook.com/…/webhooks/reference/phone_number_quality_update). */
export const NumberQualityValue = z.looseObject({
  display_phone_number: text,
  event: text,
  current_limit: text,
  old_limit: text,
  max_daily_conversations_per_business: text,
  max_daily_conversation_per_phone: text,
});

/** `business_capability_update`: the portfolio's limits, as numbers (-1: unlimited). */
export const CapabilityValue = z.looseObject({
  max_daily_conversations_per_business: text,
  max_daily_conversation_per_phone: text,
});

const Restriction = z.looseObject({ restriction_type: text, expiration: text });

const oneOrMany = <T extends z.ZodType>(item: T) =>
  z
    .union([z.array(item), item.transform((one) => [one])])
    .optional()
    .nullable()
    .catch(undefined);

/** `account_update` (developers.facebook.com/…/webhooks/reference/account_update). */
export const AccountUpdateValue = z.looseObject({
  event: text,
  phone_number: text,
  restriction_info: oneOrMany(Restriction),
  // Older partner documentation names the list `restrictions`.
  restrictions: oneOrMany(Restriction),
  ban_info: z.looseObject({ waba_ban_state: text, waba_ban_date: text }).optional().nullable().catch(undefined),
  violation_info: z.looseObject({ violation_type: text }).optional().nullable().catch(undefined),
});

export type AccountUpdate = z.infer<typeof AccountUpdateValue>;
