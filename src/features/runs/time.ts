/**
 * A client's time as Unix milliseconds. Numbers below 1e12 are seconds (1e12 ms is 2001-09-09, and
 * 1e12 s is thirty thousand years away), so both Unix conventions work; strings are ISO 8601.
 */
export function toMillis(value: number | string): number | null {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) return null;
    return Math.round(value < 1e12 ? value * 1000 : value);
  }
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return toMillis(Number(trimmed));
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? null : ms;
}
