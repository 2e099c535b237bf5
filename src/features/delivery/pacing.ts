import { governorFor, type Lane, type SendGovernor, type Slot } from "../../durable-objects/send-governor";
import { backoffSeconds, MAX_RETRY_DELAY_SECONDS } from "../../queues/backoff";
import type { SendsBody } from "../../queues/contracts";
import type { ProviderError } from "../../whatsapp/provider";

export { governorFor };

// Meta allows about one message every 6 seconds from one business number to one user.
const PAIR_RATE_SECONDS = 6;
const THROUGHPUT_ERROR = 130429;
const PAIR_RATE_ERROR = 131056;

export type Governor = DurableObjectStub<SendGovernor>;

/**
 * Which lane a send takes (docs/pacing.md): a broadcast run's messages are released by the
 * governor at the number's pace; everything else — API-campaign sends, journey replies, stored
 * messages without a run — is transactional and books ahead of the broadcasts' lead.
 */
export const laneOf = (job: SendsBody): Lane => (job.kind === "send" && job.runId ? "broadcast" : "transactional");

export type { Lane, Slot };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends whose slots fall within this window wait on one timer and leave together: one timer per
 * window rather than per send keeps a busy isolate's event loop free at 1,000 sends a second. Half
 * the timeline's 2% margin (20 ms a second) covers the bunching.
 */
export const SLOT_WINDOW_MS = 10;
/**
 * A window that wakes this long after its last slot (a busy isolate, a slow call before it) takes
 * new slots instead of going at once: late sends leaving together would crowd one second.
 */
export const LATE_MS = 20;
const MAX_RESLOTS = 2;

/** New slots for messages that woke late (one governor call for them all); null: go as they are. */
export type Reslot = (messageIds: string[]) => Promise<Map<string, number> | null>;

/** Message ids grouped by the window their slots fall in, earliest first. */
export function slotWindows(ids: string[], slots: Map<string, number>): string[][] {
  const windows = new Map<number, string[]>();
  for (const id of ids) {
    const key = Math.floor((slots.get(id) ?? 0) / SLOT_WINDOW_MS);
    const list = windows.get(key) ?? [];
    list.push(id);
    windows.set(key, list);
  }
  return [...windows.entries()].sort(([a], [b]) => a - b).map(([, list]) => list);
}

/**
 * Waits until the last slot of a window (never sends early) and says whether to send now. A window
 * that wakes late asks for new slots for its sends, at most twice; if it is still late, or gets no
 * new slot, it does not send (the caller parks its messages): late sends leaving together could
 * put more than the rate into one second.
 */
export async function waitForSlots(ids: string[], slots: Map<string, number>, reslot?: Reslot): Promise<boolean> {
  for (let tries = 0; ; tries++) {
    const at = Math.max(0, ...ids.map((id) => slots.get(id) ?? 0));
    const wait = at - Date.now();
    if (wait > 0) await sleep(wait);
    if (!reslot || Date.now() - at <= LATE_MS) return true;
    if (tries === MAX_RESLOTS) return false;
    const fresh = await reslot(ids);
    if (fresh === null || ids.some((id) => !fresh.has(id))) return false;
    for (const [id, slot] of fresh) slots.set(id, slot);
  }
}

/**
 * How long a send that Meta asked to retry waits. A throughput error also slows the number down
 * for every invocation; a pair-rate error waits out the recipient's window, with jitter so the
 * retries of one burst do not land in the same second again.
 */
export async function retryDelayFor(governor: Governor, error: ProviderError, attempts: number): Promise<number> {
  if (error.code === THROUGHPUT_ERROR) await governor.slowDown();
  const delay =
    error.code === PAIR_RATE_ERROR
      ? PAIR_RATE_SECONDS + Math.ceil(Math.random() * PAIR_RATE_SECONDS)
      : (error.retryAfterSeconds ?? backoffSeconds(attempts));
  return Math.min(delay, MAX_RETRY_DELAY_SECONDS);
}
