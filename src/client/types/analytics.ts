/** Clicks on one quick-reply button (docs/analytics.md#button-clicks). */
export interface ButtonClicks {
  /** Its place among the broadcast campaign's `buttons`; null for a button it no longer has, or an API campaign's. */
  index: number | null;
  text: string | null;
  /** `bcb:<campaignId>:<index>` for a broadcast campaign's button, else what the press carried. */
  payload: string | null;
  presses: number;
  /** Distinct numbers that pressed it. */
  people: number;
}

/** How a run's or a campaign's recipients engaged (docs/analytics.md). */
export interface Analytics {
  /** `replied`: wrote within 24 hours of delivery, quoting the message or not, or answered the message itself. */
  funnel: { queued: number; sent: number; delivered: number; read: number; replied: number };
  /** replied / delivered, 0 to 1 with 4 decimals. */
  replyRate: number;
  buttons: ButtonClicks[];
}

export interface RunAnalyticsResponse {
  status: "success";
  runId: string;
  campaignId: string;
  analytics: Analytics;
}

export interface CampaignAnalyticsResponse {
  status: "success";
  campaignId: string;
  analytics: Analytics;
}
