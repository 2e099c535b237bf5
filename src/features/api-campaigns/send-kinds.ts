import { z } from "@hono/zod-openapi";

// The optional fields a template kind needs beyond the reference's body (coupon, one-time
// password, offer expiry, cards, typed values, button parameters). The reference's fields keep
// their meaning; a CRM that sends only those is served exactly as before.

/** An instant as ISO 8601 or Unix milliseconds, read as Unix milliseconds. */
const Instant = z
  .union([z.iso.datetime({ offset: true }), z.number().int().positive()])
  .transform((value) => (typeof value === "number" ? value : Date.parse(value)));

const Text = z.union([z.string(), z.number()]);

const ParamType = z
  .discriminatedUnion("type", [
    z.object({
      type: z.literal("currency"),
      code: z
        .string()
        .regex(/^[A-Z]{3}$/, "must be an ISO 4217 currency code, e.g. USD")
        .openapi({ example: "USD" }),
      amount1000: z
        .number()
        .int()
        .openapi({ description: "The amount times 1000 (Meta's `amount_1000`): 10990 is 10.99", example: 10990 }),
    }),
    z.object({ type: z.literal("date_time") }),
  ])
  .openapi("ApiSendParamType", {
    description: "The value at this index of `templateParams` becomes Meta's `fallback_value`",
  });

const Products = z.object({
  thumbnailProductRetailerId: z.string().min(1).max(100),
  sections: z
    .array(
      z.object({
        title: z.string().min(1).max(24),
        productRetailerIds: z.array(z.string().min(1).max(100)).min(1).max(30),
      }),
    )
    .min(1)
    .max(10),
});

const Card = z.object({
  media: z
    .object({ url: z.string().max(2048).optional(), id: z.string().trim().min(1).max(128).optional() })
    .openapi({ description: "The card's image or video: `url` or `id`" }),
  templateParams: z
    .array(Text)
    .max(20)
    .optional()
    .openapi({ description: "The card's body placeholders, then its URL button suffix, in reading order" }),
  quickReplyPayloads: z.array(z.string().min(1).max(256)).max(2).optional(),
});

export const ApiSendKinds = {
  paramTypes: z
    .record(z.string().regex(/^\d{1,2}$/, "keys are indexes of templateParams"), ParamType)
    .optional()
    .openapi({
      description:
        "Body values WhatsApp formats for the reader, by their index in `templateParams`: currency or date-time",
      example: { "1": { type: "currency", code: "USD", amount1000: 10990 } },
    }),
  quickReplyPayloads: z
    .array(z.string().min(1).max(256))
    .max(10)
    .optional()
    .openapi({ description: "A payload for each quick-reply button, in button order; a press returns it" }),
  couponCode: z.string().trim().min(1).max(15).optional().openapi({
    description: "The code a COPY_CODE button copies (at most 15 characters)",
    example: "SAVE25",
  }),
  otpCode: z.string().trim().min(1).max(15).optional().openapi({
    description:
      "AUTHENTICATION templates: the one-time password; it fills the body and the OTP button (instead of `templateParams`)",
    example: "483920",
  }),
  expiresAt: Instant.optional().openapi({
    description: "Do not send after this instant (ISO 8601 or Unix ms): a code past it fails as `expired`, never sent",
    example: "2026-12-01T09:05:00Z",
  }),
  offerExpiresAt: Instant.optional().openapi({
    description: "Limited-time offer templates with an expiration: when the offer ends (ISO 8601 or Unix ms)",
    example: "2026-12-08T00:00:00Z",
  }),
  flow: z
    .object({
      token: z.string().min(1).max(1024).optional(),
      actionData: z.record(z.string(), z.unknown()).optional(),
    })
    .optional()
    .openapi({ description: "FLOW button: the flow token and the first screen's data" }),
  catalog: z
    .object({ thumbnailProductRetailerId: z.string().min(1).max(100).optional() })
    .optional()
    .openapi({ description: "CATALOG button: the product shown as the thumbnail" }),
  products: Products.optional().openapi({
    description: "MPM button (multi-product): the thumbnail and the sections of products to list",
  }),
  cards: z.array(Card).max(10).optional().openapi({ description: "Carousel templates: one entry per card, in order" }),
};

export type ApiSendExtras = {
  [K in keyof typeof ApiSendKinds]?: z.infer<(typeof ApiSendKinds)[K]>;
} & { media?: { id?: string; filename?: string } };
