import { z } from "zod";

// The `value` of Meta's three template webhook fields, read liberally: every field optional,
// ids and times as numbers or strings, unknown fields kept. A value that still does not parse is
// reported by the caller, never thrown.

const text = z
  .union([z.string(), z.number()])
  .transform((v) => String(v).trim())
  .optional()
  .nullable()
  .catch(undefined);

/** Seconds (Meta's timestamps), as a number or a numeric string; undefined otherwise. */
const seconds = z
  .union([z.number(), z.string()])
  .transform((v) => {
    const n = Number(v);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  })
  .optional()
  .nullable()
  .catch(undefined);

const TemplateRef = {
  message_template_id: text,
  message_template_name: text,
  message_template_language: text,
};

/** `message_template_status_update` (developers.facebook.com/…/webhooks/reference/message_template_status_update). */
export const StatusUpdateValue = z.looseObject({
  ...TemplateRef,
  event: text,
  reason: text,
  message_template_category: text,
  disable_info: z.looseObject({ disable_date: text }).optional().nullable().catch(undefined),
  other_info: z.looseObject({ title: text, description: text }).optional().nullable().catch(undefined),
  rejection_info: z.looseObject({ reason: text, recommendation: text }).optional().nullable().catch(undefined),
});

/** `template_category_update` (…/webhooks/reference/template_category_update). */
export const CategoryUpdateValue = z.looseObject({
  ...TemplateRef,
  previous_category: text,
  new_category: text,
  correct_category: text,
  category_update_timestamp: seconds,
});

/** `message_template_quality_update` (…/webhooks/reference/message_template_quality_update). */
export const QualityUpdateValue = z.looseObject({
  ...TemplateRef,
  previous_quality_score: text,
  new_quality_score: text,
});

/** The template a value names, as the status lookup takes it. */
export const templateRef = (value: {
  message_template_id?: string | null;
  message_template_name?: string | null;
  message_template_language?: string | null;
}) => ({
  providerTemplateId: value.message_template_id ?? "",
  name: value.message_template_name || undefined,
  language: value.message_template_language || undefined,
});

export const upper = (value: string | null | undefined) => value?.toUpperCase() || null;
