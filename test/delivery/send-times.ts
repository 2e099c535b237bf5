import type { ReceivedSend } from "../../standin/graph-api";

// How the stand-in's record of received sends spreads over time. Plain functions with type-only
// imports: the tests use them in the Workers runtime, the pacing benchmark in Node.

/** Accepted sends in each second from `startedAt`. */
export function sendsPerSecond(sends: ReceivedSend[], startedAt: number): number[] {
  const counts: number[] = [];
  for (const send of sends) {
    if (!send.accepted) continue;
    const second = Math.max(0, Math.floor((send.receivedAt - startedAt) / 1000));
    counts[second] = (counts[second] ?? 0) + 1;
  }
  return Array.from(counts, (n) => n ?? 0);
}

/**
 * The most accepted sends in any window of one second (sliding, to the millisecond): what Meta's
 * per-second throughput is judged on, whichever second boundaries it uses.
 */
export function busiestSecond(sends: ReceivedSend[]): number {
  const times = sends
    .filter((s) => s.accepted)
    .map((s) => s.receivedAt)
    .sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while ((times[end] as number) - (times[start] as number) >= 1000) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

/** The p-th percentile (nearest rank) of `values`, or null when there are none. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? null;
}
