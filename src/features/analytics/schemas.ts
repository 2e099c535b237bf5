import { z } from "@hono/zod-openapi";

const count = (description: string, example: number) => z.number().int().min(0).openapi({ description, example });

export const FunnelSchema = z
  .object({
    queued: count("Messages recorded for sending", 1200),
    sent: count("Messages WhatsApp accepted", 1180),
    delivered: count("Messages delivered to the phone (a read message counts as delivered too)", 1104),
    read: count("Messages read (only where the recipient has read receipts on)", 873),
    replied: count(
      "Messages whose recipient wrote to us within 24 hours after it was delivered (or read, when the delivered status was lost), quoting it or not, or answered the message itself (a quoted reply, a reaction, a quick-reply press) at any time",
      212,
    ),
  })
  .openapi("AnalyticsFunnel");

export const ButtonClicksSchema = z
  .object({
    index: z.number().int().min(0).nullable().openapi({
      description:
        "The button's place among the broadcast campaign's `buttons`; null for presses of a button the campaign no longer has, or of an API campaign template's button",
      example: 0,
    }),
    text: z.string().nullable().openapi({ description: "The button's label", example: "Yes, please" }),
    payload: z.string().nullable().openapi({
      description:
        "What a press sends back: `bcb:<campaignId>:<index>` for a broadcast campaign's button, the template's payload or the reply's id otherwise; null when a press carried none",
      example: "bcb:cmp_0192f3c4a1b2c3d4e5f6a7b8:0",
    }),
    presses: count("Presses of the button (quick-reply `button` messages and interactive replies)", 96),
    people: count("Distinct numbers that pressed it", 88),
  })
  .openapi("ButtonClicks");

export const AnalyticsSchema = z
  .object({
    funnel: FunnelSchema,
    replyRate: z.number().min(0).max(1).openapi({
      description: "replied / delivered; 0 to 1, 4 decimals, 0 while nothing is delivered",
      example: 0.192,
    }),
    buttons: z.array(ButtonClicksSchema).openapi({
      description:
        "The broadcast campaign's quick-reply buttons in order, pressed or not, then any other button pressed, most pressed first",
    }),
  })
  .openapi("Analytics");

export const RunAnalyticsResponse = z
  .object({
    status: z.literal("success"),
    runId: z.string().openapi({ example: "run_0192f3c4a1b2c3d4e5f6a7b8" }),
    campaignId: z.string().openapi({ example: "cmp_0192f3c4a1b2c3d4e5f6a7b8" }),
    analytics: AnalyticsSchema,
  })
  .openapi("RunAnalytics");

export const CampaignAnalyticsResponse = z
  .object({
    status: z.literal("success"),
    campaignId: z.string().openapi({ example: "cmp_0192f3c4a1b2c3d4e5f6a7b8" }),
    analytics: AnalyticsSchema,
  })
  .openapi("CampaignAnalytics");
