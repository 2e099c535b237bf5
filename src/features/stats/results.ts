import { z } from "@hono/zod-openapi";
import { type RunStats, withRates, zeroCounts } from "../../durable-objects/campaign-stats/counters";

// The reference document names a campaign's results in PascalCase (Sent, Delivered, Read,
// SendErrors, DeliveryErrors, NumbersNotOnWhatsApp, read rate, delivery rate); the numbers are the
// CampaignStats object's counters, so results of a run and per-recipient details agree.

const count = (description: string) => z.number().int().min(0).openapi({ description });
const rate = (description: string) =>
  z
    .number()
    .min(0)
    .max(1)
    .openapi({ description: `${description}; 0 to 1 with 4 decimals, 0 while the denominator is 0` });

export const ResultsSchema = z
  .object({
    Queued: count("Recipients recorded for sending"),
    Sent: count("Messages WhatsApp accepted (delivered and read ones included)"),
    Delivered: count("Messages delivered to the phone (read ones included)"),
    Read: count("Messages read (only where the recipient has read receipts on)"),
    SendErrors: count("Messages WhatsApp refused before sending (not counting the three buckets below)"),
    DeliveryErrors: count("Messages sent, then not delivered (not counting the three buckets below)"),
    NumbersNotOnWhatsApp: count("Messages that failed because the number is not on WhatsApp (Meta code 131026)"),
    MarketingLimited: count(
      "Marketing messages Meta held for the person's marketing limit (code 131049): not a delivery error",
    ),
    MarketingExperiment: count("Marketing messages Meta held for its marketing experiment (code 130472)"),
    Skipped: count("Recipients never sent to: opted out, a missing variable value, or a cancelled run"),
    ReadRate: rate("Read / Delivered"),
    DeliveryRate: rate("Delivered / Sent"),
  })
  .openapi("Results");

export type Results = z.infer<typeof ResultsSchema>;

/** A run's or a campaign's counters from the CampaignStats object, under the document's names. */
export function toResults(stats: RunStats): Results {
  return {
    Queued: stats.queued,
    Sent: stats.sent,
    Delivered: stats.delivered,
    Read: stats.read,
    SendErrors: stats.sendErrors,
    DeliveryErrors: stats.deliveryErrors,
    NumbersNotOnWhatsApp: stats.notOnWhatsApp,
    MarketingLimited: stats.marketingLimited,
    MarketingExperiment: stats.marketingExperiment,
    Skipped: stats.skipped,
    ReadRate: stats.readRate,
    DeliveryRate: stats.deliveryRate,
  };
}

/** Results of a campaign or run nothing has been recorded for yet. */
export const EMPTY_RESULTS: Results = toResults(withRates(zeroCounts()));
