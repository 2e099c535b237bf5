import type { Config } from "../../platform/config";
import { daysLeft, growthPerDay, type SizeSample } from "./growth";

export interface StorageReport {
  bytes: number;
  limitBytes: number;
  usedRatio: number;
  growthBytesPerDay: number | null;
  daysLeft: number | null;
  warning: boolean;
  reasons: string[];
  measuredAt: number;
  samples: SizeSample[];
}

type Limits = Pick<Config, "STORAGE_LIMIT_BYTES" | "STORAGE_WARN_RATIO" | "STORAGE_WARN_DAYS">;

/** What the operator is told about the database: how full, how fast it fills, and whether to act. */
export function storageReport(
  bytes: number,
  samples: readonly SizeSample[],
  now: number,
  limits: Limits,
): StorageReport {
  const limit = limits.STORAGE_LIMIT_BYTES;
  // The reading just taken counts towards the rate with the stored ones.
  const all = [...samples.filter((s) => s.at < now), { at: now, bytes }];
  const perDay = growthPerDay(all, now);
  const left = daysLeft(bytes, limit, perDay);
  const usedRatio = Math.round((bytes / limit) * 1000) / 1000;
  const reasons: string[] = [];
  if (bytes >= limits.STORAGE_WARN_RATIO * limit) {
    reasons.push(
      `the database is ${Math.round(usedRatio * 100)}% full (warning at ${Math.round(limits.STORAGE_WARN_RATIO * 100)}%)`,
    );
  }
  if (left !== null && left <= limits.STORAGE_WARN_DAYS) {
    reasons.push(
      `at the last week's growth the database is full in ${left} days (warning at ${limits.STORAGE_WARN_DAYS})`,
    );
  }
  return {
    bytes,
    limitBytes: limit,
    usedRatio,
    growthBytesPerDay: perDay,
    daysLeft: left,
    warning: reasons.length > 0,
    reasons,
    measuredAt: now,
    samples: all,
  };
}
