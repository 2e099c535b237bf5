import { type Counts, withRates } from "../../src/durable-objects/campaign-stats/counters";

export const ZERO: Counts = {
  queued: 0,
  sent: 0,
  delivered: 0,
  read: 0,
  sendErrors: 0,
  deliveryErrors: 0,
  notOnWhatsApp: 0,
  marketingLimited: 0,
  marketingExperiment: 0,
  skipped: 0,
};

/** Counters with their rates, as CampaignStats.read() answers them. */
export const stats = (values: Partial<Counts>) => withRates({ ...ZERO, ...values });
