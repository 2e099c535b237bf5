// Runs: one sending of a campaign to its audiences, now or at a set time, and its results.
import type { IsoDate, Page, TimeToRun } from "./common.js";

/** Counts from the campaign's statistics; rates are 0..1. */
export interface Results {
  Queued: number;
  Sent: number;
  Delivered: number;
  Read: number;
  SendErrors: number;
  DeliveryErrors: number;
  NumbersNotOnWhatsApp: number;
  /** Marketing messages Meta held for the person's marketing limit (131049). */
  MarketingLimited: number;
  /** Marketing messages Meta held for its marketing experiment (130472). */
  MarketingExperiment: number;
  Skipped: number;
  ReadRate: number;
  DeliveryRate: number;
}

export type RunStatus =
  | "scheduled"
  | "waiting_template"
  | "fanning_out"
  | "sending"
  | "paused"
  | "completed"
  | "cancelled"
  | "failed";

export interface Run {
  runId: string;
  campaignId: string;
  status: RunStatus;
  statusReason: string | null;
  audiences: string[];
  timeToRun: IsoDate | null;
  retryOf: string | null;
  /** `marketing_limited`: a retry of the recipients Meta held for their marketing limit (131049). */
  retryKind: "marketing_limited" | null;
  /** Its 131049 recipients are still to be retried a day after it completes. */
  retryMarketingLimited: boolean;
  recipients: { queued: number; skipped: number };
  results: Results;
  createdAt: IsoDate;
  startedAt: IsoDate | null;
  fannedOutAt: IsoDate | null;
  finishedAt: IsoDate | null;
}

export interface RunCampaignRequest {
  campaignId: string;
  /** Audience ids or unique names, or `["all"]`. */
  audiences: string[];
  /** Omitted, null or past: now. */
  timeToRun?: TimeToRun | null;
  /** Count who would be sent and who skipped, without sending. */
  dryRun?: boolean;
  /** Once the run completes, retry its 131049 recipients (Meta's marketing limit) a day later. */
  retryMarketingLimited?: boolean;
  /**
   * When the recipients do not fit in what is left of the messaging limit: wait (default) until
   * they do, refuse (409 `over_messaging_limit`), or send anyway.
   */
  whenOverLimit?: "wait" | "refuse" | "send";
}

/** Meta's messaging limit (unique recipients per moving 24 hours) and what the last 24 hours used. */
export interface MessagingLimit {
  /** TIER_250, TIER_2K, TIER_10K, TIER_100K, TIER_UNLIMITED; null until Meta has said. */
  tier: string | null;
  /** Null when unlimited or not known. */
  limit: number | null;
  used: number | null;
  remaining: number | null;
}

/** A run's recipients against what is left of the messaging limit. */
export interface MessagingLimitCheck extends MessagingLimit {
  recipients: number;
  fit: number;
  fits: boolean;
}

export interface RunResponse {
  status: "success";
  run: Run;
  /** Present when the run was about to start under a finite messaging limit. */
  messagingLimit?: MessagingLimitCheck;
}

export interface DryRun {
  /** Contacts in the audiences, each counted once. */
  recipients: number;
  wouldSend: number;
  /**
   * `missing_variable`: per `group.field`, recipients without a sendable value.
   * `us_marketing_paused`: US (+1) numbers of a marketing campaign, which WhatsApp does not deliver to.
   */
  skipped: { opted_out: number; us_marketing_paused: number; missing_variable: Record<string, number> };
  templateStatus: string | null;
  /** Present under a finite messaging limit: how many of those it would send to fit today. */
  messagingLimit?: MessagingLimitCheck;
}

export interface DryRunResponse {
  status: "success";
  dryRun: DryRun;
}

export interface RetrieveRunsRequest extends Page {
  campaignId?: string;
  status?: RunStatus;
}

export interface RunsResponse {
  status: "success";
  runs: Run[];
  nextCursor: string | null;
}

/** What Meta charges for a run or a campaign (docs/billing.md). */
export interface Billing {
  /** Delivered messages: Meta charges on delivery. */
  delivered: number;
  charged: number;
  /** In the customer service window, or a free entry point. */
  free: number;
  /** Delivered, but no status with Meta's pricing arrived. */
  unpriced: number;
  byCategory: { category: string; count: number }[];
  /** `market`: the recipient's country, or `+<calling code>`; `estimatedCost` null without a rate. */
  byMarket: { category: string; market: string; count: number; estimatedCost: number | null }[];
  /** Null until an operator sets a rate card; `unrated`: charged messages without a rate. */
  estimatedCost: { currency: string; amount: number; unrated: number } | null;
}

export interface RunBillingResponse {
  status: "success";
  runId: string;
  billing: Billing;
}

export interface CampaignBillingResponse {
  status: "success";
  campaignId: string;
  billing: Billing;
}
