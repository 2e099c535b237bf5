// The arithmetic of one number's pace, kept apart from storage so it can be read (and tested) on
// its own. Every send gets its own moment on one timeline, spaced evenly at the number's rate:
// slots are never handed out in bursts, so no second carries more sends than the rate, however
// many consumer invocations ask at once.

/**
 * Slots are spaced for 98% of the rate. A send leaves a few milliseconds after its slot, by a
 * different amount each time; the 2% margin absorbs up to 20 ms of that jitter per second before a
 * second could carry one send more than Meta allows.
 */
export const PACE_MARGIN = 0.98;
/** A throughput error (130429) halves the rate once per episode: errors this soon after belong to it. */
export const EPISODE_MS = 5_000;
/** After an episode, each quiet step of this length gives back a tenth of the full rate. */
export const RECOVERY_STEP_MS = 5_000;
const RECOVERY_STEP = 0.1;
const SLOWDOWN_FACTOR = 0.5;
const MIN_FACTOR = 0.05;
/** Below this the number is treated as sending one message every ten seconds. */
const MIN_RATE = 0.1;

export interface Pace {
  /** The number's throughput (messages/s), as its account says; updated by every caller. */
  rate: number;
  /** When the next free slot is (epoch ms); every slot before it is taken. */
  nextFreeAt: number;
  /** The share of the rate in use: 1, or less after throughput errors. */
  factor: number;
  /** Until when the current 130429 episode lasts. */
  episodeUntil: number;
  /** When the rate last stepped back up (or the episode ended). */
  recoveredAt: number;
}

export const freshPace = (rate = 80): Pace => ({ rate, nextFreeAt: 0, factor: 1, episodeUntil: 0, recoveredAt: 0 });

/** Gives back a tenth of the rate for every quiet step since the last episode ended. */
export function recover(pace: Pace, now: number) {
  if (pace.factor >= 1 || now < pace.episodeUntil) return;
  const steps = Math.floor((now - Math.max(pace.recoveredAt, pace.episodeUntil)) / RECOVERY_STEP_MS);
  if (steps <= 0) return;
  pace.factor = Math.min(1, pace.factor + steps * RECOVERY_STEP);
  pace.recoveredAt = Math.max(pace.recoveredAt, pace.episodeUntil) + steps * RECOVERY_STEP_MS;
}

/** Messages per second the timeline is spaced for now. */
export const pacedRate = (pace: Pace) => Math.max(MIN_RATE, pace.rate * pace.factor * PACE_MARGIN);

/**
 * Books up to `count` consecutive slots that start within `maxWaitMs` of `now`, and returns their
 * times. Slots that would start later are not booked: nothing is held for a send that will not
 * happen soon.
 */
export function book(pace: Pace, count: number, now: number, maxWaitMs: number): number[] {
  recover(pace, now);
  const spacing = 1000 / pacedRate(pace);
  const start = Math.max(now, pace.nextFreeAt);
  const slots: number[] = [];
  for (let i = 0; i < count; i++) {
    const at = start + i * spacing;
    if (at - now > maxWaitMs) break;
    slots.push(Math.round(at));
  }
  if (slots.length > 0) pace.nextFreeAt = start + slots.length * spacing;
  return slots;
}

/** How far ahead the timeline is booked (ms). */
export const bookedAheadMs = (pace: Pace, now: number) => Math.max(0, pace.nextFreeAt - now);

/**
 * Meta answered 130429: halves the rate, once per episode. Sends already in flight when the first
 * error came back answer the same, and must not halve it again and again.
 */
export function slowDown(pace: Pace, now: number): boolean {
  if (now < pace.episodeUntil) return false;
  recover(pace, now);
  pace.factor = Math.max(MIN_FACTOR, pace.factor * SLOWDOWN_FACTOR);
  pace.episodeUntil = now + EPISODE_MS;
  pace.recoveredAt = pace.episodeUntil;
  return true;
}
