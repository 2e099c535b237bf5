/** One reading of the database's size. */
export interface SizeSample {
  at: number;
  bytes: number;
}

const DAY_MS = 86_400_000;
/** The growth rate is read over this window: long enough to smooth a day's rhythm, short enough to follow a new one. */
export const GROWTH_WINDOW_MS = 7 * DAY_MS;

/**
 * Bytes a day, the least-squares slope of the samples of the last week; null with fewer than two
 * samples an hour or more apart, as one reading says nothing of a rate.
 */
export function growthPerDay(samples: readonly SizeSample[], now: number): number | null {
  const recent = samples.filter((s) => s.at > now - GROWTH_WINDOW_MS && s.at <= now);
  if (recent.length < 2) return null;
  const first = recent.reduce((a, b) => (a.at < b.at ? a : b));
  const last = recent.reduce((a, b) => (a.at > b.at ? a : b));
  if (last.at - first.at < DAY_MS / 24) return null;
  const n = recent.length;
  // Times relative to the first sample, in days, keep the sums well inside a double's precision.
  const xs = recent.map((s) => (s.at - first.at) / DAY_MS);
  const meanX = xs.reduce((a, b) => a + b, 0) / n;
  const meanY = recent.reduce((a, s) => a + s.bytes, 0) / n;
  let num = 0;
  let den = 0;
  for (const [i, s] of recent.entries()) {
    const dx = (xs[i] as number) - meanX;
    num += dx * (s.bytes - meanY);
    den += dx * dx;
  }
  return den === 0 ? null : Math.round(num / den);
}

/** Days until `limit` at `perDay`; null when the database is not growing. */
export function daysLeft(bytes: number, limit: number, perDay: number | null): number | null {
  if (perDay === null || perDay <= 0) return null;
  return Math.max(0, Math.round(((limit - bytes) / perDay) * 10) / 10);
}
