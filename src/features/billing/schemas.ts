import { z } from "@hono/zod-openapi";

const Money = z.object({
  currency: z.string().openapi({ example: "USD" }),
  amount: z.number().openapi({ description: "In the rate card's currency", example: 10.7 }),
  unrated: z.number().int().openapi({ description: "Charged messages the rate card has no rate for (not in amount)" }),
});

export const BillingSchema = z
  .object({
    delivered: z.number().int().openapi({ description: "Delivered messages: Meta charges on delivery" }),
    charged: z.number().int().openapi({ description: "Of those, the ones Meta priced as charged (type regular)" }),
    free: z
      .number()
      .int()
      .openapi({ description: "Priced free: in the customer service window, or a free entry point" }),
    unpriced: z.number().int().openapi({ description: "Delivered, but no status with Meta's pricing arrived" }),
    byCategory: z.array(z.object({ category: z.string().openapi({ example: "marketing" }), count: z.number().int() })),
    byMarket: z.array(
      z.object({
        category: z.string().openapi({ example: "marketing" }),
        market: z.string().openapi({
          description: "The recipient's country (ISO 3166), or +<calling code> when the code alone is known",
          example: "IN",
        }),
        count: z.number().int(),
        estimatedCost: z.number().nullable().openapi({ description: "Null without a rate for it" }),
      }),
    ),
    estimatedCost: Money.nullable().openapi({ description: "Null until an operator sets a rate card" }),
  })
  .openapi("Billing");

export const RunBillingResponse = z
  .object({ status: z.literal("success"), runId: z.string(), billing: BillingSchema })
  .openapi("RunBilling");

export const CampaignBillingResponse = z
  .object({ status: z.literal("success"), campaignId: z.string(), billing: BillingSchema })
  .openapi("CampaignBilling");

const Day = z
  .string()
  .refine(
    (d) => /^\d{4}-\d{2}-\d{2}$/.test(d) && !Number.isNaN(Date.parse(`${d}T00:00:00Z`)),
    "must be a date, YYYY-MM-DD",
  );

export const RateCardBody = z
  .object({
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, "must be an ISO 4217 code, e.g. USD")
      .openapi({ example: "USD" }),
    rates: z
      .array(
        z.object({
          category: z
            .enum([
              "marketing",
              "marketing_lite",
              "utility",
              "authentication",
              "authentication_international",
              "service",
            ])
            .openapi({ example: "marketing" }),
          market: z
            .string()
            .regex(/^([A-Z]{2}|\+\d{1,3}|\*)$/, 'must be a country code (IN), "+<calling code>" or "*"')
            .openapi({ example: "IN" }),
          price: z.number().min(0).max(1000).openapi({ description: "Per delivered message", example: 0.0107 }),
          effectiveFrom: Day.openapi({ description: "The UTC day it applies from", example: "2026-10-01" }),
        }),
      )
      .max(5000),
  })
  .superRefine((card, ctx) => {
    const seen = new Set<string>();
    for (const [i, r] of card.rates.entries()) {
      const key = `${r.category} ${r.market} ${r.effectiveFrom}`;
      if (seen.has(key))
        ctx.addIssue({
          code: "custom",
          path: ["rates", i],
          message: "repeats a rate of this category, market and day",
        });
      seen.add(key);
    }
  })
  .openapi("RateCardInput");

export const RateCardResponse = z
  .object({
    currency: z.string().nullable(),
    rates: z.array(
      z.object({ category: z.string(), market: z.string(), price: z.number(), effectiveFrom: z.string() }),
    ),
  })
  .openapi("RateCard");
