/** One bucket of a time series (docs/analytics.md#time-series). */
export interface TimelinePoint {
  /** The start of the minute or hour, ISO 8601 UTC. */
  at: string;
  sent: number;
  delivered: number;
  read: number;
  /** Every failure: send and delivery errors, numbers not on WhatsApp, Meta's marketing holds. */
  failed: number;
}

export interface Timeline {
  resolution: "minute" | "hour";
  /** Oldest first, zero-filled from the first bucket to the last. */
  points: TimelinePoint[];
}

export interface TimelineRequest {
  /** Default `auto`: minutes while sending or active in the last hour, hours otherwise. */
  resolution?: "minute" | "hour" | "auto";
  /** ISO 8601 or a `Date`: the first bucket. */
  from?: string | Date;
  /** ISO 8601 or a `Date`: the last bucket, inclusive. */
  to?: string | Date;
}
