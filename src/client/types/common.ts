// Shapes shared by every resource: dates, run times and paging.

/** ISO 8601 date-time, e.g. `2025-01-31T09:00:00.000Z`. */
export type IsoDate = string;

/**
 * When to run: a Unix timestamp in seconds or milliseconds (a value below 1e12 is read as
 * seconds), a `Date`, or an ISO 8601 string.
 */
export type TimeToRun = number | Date | string;

export interface Page {
  /** Page size, 1–500 (default 50). */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}
