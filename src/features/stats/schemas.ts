import { z } from "@hono/zod-openapi";
import { COUNTERS, type Counter } from "../../durable-objects/campaign-stats/counters";

const COUNTER_DESCRIPTIONS: Record<Counter, string> = {
  queued: "Messages recorded for sending",
  sent: "Messages WhatsApp accepted (a delivered or read message counts as sent even if its `sent` status was lost)",
  delivered: "Messages delivered to the phone (a read message counts as delivered too)",
  read: "Messages read (only where the recipient has read receipts on)",
  sendErrors: "Messages WhatsApp refused before sending (not counting the three buckets below)",
  deliveryErrors: "Messages sent, then not delivered (not counting the three buckets below)",
  notOnWhatsApp: "Messages that failed with Meta's code 131026: the number is not on WhatsApp",
  marketingLimited:
    "Marketing messages Meta held for the person's marketing limit (code 131049, to keep engagement healthy): not a delivery error; Meta suggests trying that person again after 24 hours",
  marketingExperiment:
    "Marketing messages Meta held because the person is in its marketing experiment (code 130472): never retried",
  skipped: "Messages recorded but never sent, e.g. to a contact who opted out",
};

const rateOf = (description: string) =>
  z
    .number()
    .min(0)
    .max(1)
    .openapi({ description: `${description}; 0 to 1, 4 decimals, 0 when the denominator is 0` });

export const RunStatsSchema = z
  .object({
    ...(Object.fromEntries(
      COUNTERS.map((name) => [name, z.number().int().min(0).openapi({ description: COUNTER_DESCRIPTIONS[name] })]),
    ) as Record<Counter, z.ZodNumber>),
    deliveryRate: rateOf("delivered / sent"),
    readRate: rateOf("read / delivered"),
  })
  .openapi("RunStats");

export const CampaignStatsSchema = z
  .object({
    campaignId: z.string().openapi({ example: "cmp_01a1fc6462283199bbc15fb0" }),
    total: RunStatsSchema.openapi({ description: "Summed over all runs" }),
    runs: z.record(z.string(), RunStatsSchema).openapi({
      description:
        "Per run, by run id. An API campaign's messages have no run and are counted under `api`. A run appears once one of its counters has moved.",
    }),
  })
  .openapi("CampaignStats");

export const CampaignIdParam = z.object({
  campaignId: z
    .string()
    .max(64)
    .openapi({ param: { name: "campaignId", in: "path" }, example: "cmp_01a1fc6462283199bbc15fb0" }),
});

export const STATS_TAGS = ["Campaign statistics"];
