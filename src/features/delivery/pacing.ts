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
 * A send that wakes this long after its slot (a busy isolate, a slow call before it) takes a new
 * slot instead of going at once: late sends leaving together would bunch into one second. The
 * timeline's 2% margin covers lateness below it.
 */
export const LATE_MS = 20;
const MAX_RESLOTS = 3;

/** A fresh slot for one message, or null when none starts within its lane's longest wait. */
export type Reslot = (messageId: string) => Promise<number | null>;

/**
 * Waits until a message's slot (never sends early). If it wakes late it asks for a new slot, up to
 * three times; then it goes, so that a starved isolate still makes progress.
 */
export async function waitForSlot(messageId: string, at: number | undefined, reslot?: Reslot) {
  let slot = at ?? 0;
  for (let tries = 0; ; tries++) {
    const wait = slot - Date.now();
    if (wait > 0) await sleep(wait);
    if (!reslot || Date.now() - slot <= LATE_MS || tries === MAX_RESLOTS) return;
    const fresh = await reslot(messageId);
    if (fresh === null) return;
    slot = fresh;
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
