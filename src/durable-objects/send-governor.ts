import { DurableObject } from "cloudflare:workers";

// After a throughput error (130429) the number sends at a fraction of its rate for a while.
const SLOWDOWN_FACTOR = 0.5;
const SLOWDOWN_MS = 60_000;
const MIN_FACTOR = 0.05;

export interface Grant {
  /** Milliseconds to wait before sending the granted messages. */
  waitMs: number;
  /** The rate (messages/s) the grant was computed at, after any slowdown. */
  rate: number;
}

/**
 * One object per business phone number: the single place that knows when that number may send
 * next, whichever consumer invocation asks. Reservations are handed out in order, so the number's
 * rate stays at or below its throughput however many invocations run at once.
 */
export class SendGovernor extends DurableObject<Env> {
  private nextFreeAt = 0;
  private factor = 1;
  private slowUntil = 0;

  /** Reserves `count` sends at `rate` messages/s; the caller waits `waitMs`, then sends them. */
  reserve(count: number, rate: number, now = Date.now()): Grant {
    if (now >= this.slowUntil) this.factor = 1;
    const effective = Math.max(0.1, rate * this.factor);
    const start = Math.max(now, this.nextFreeAt);
    this.nextFreeAt = start + (count / effective) * 1000;
    return { waitMs: start - now, rate: effective };
  }

  /** Meta said the number is over its throughput: halve the rate for a minute. */
  slowDown(now = Date.now()): number {
    this.factor = Math.max(MIN_FACTOR, this.factor * SLOWDOWN_FACTOR);
    this.slowUntil = now + SLOWDOWN_MS;
    return this.factor;
  }
}
