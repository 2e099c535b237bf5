import type { SendGovernor } from "../../durable-objects/send-governor";
import { backoffSeconds, MAX_RETRY_DELAY_SECONDS } from "../../queues/backoff";
import type { SendsBody } from "../../queues/contracts";
import type { ProviderError } from "../../whatsapp/provider";

// Meta allows about one message every 6 seconds from one business number to one user.
export const PAIR_RATE_SECONDS = 6;
// A consumer invocation waits for its send slots up to this long; past it, messages go back to
// the queue with a delay rather than holding the invocation open.
const MAX_WAIT_MS = 20_000;
const THROUGHPUT_ERROR = 130429;
const PAIR_RATE_ERROR = 131056;

export type Governor = DurableObjectStub<SendGovernor>;

/** The governor of one business number, shared by every invocation sending from it. */
export const governorFor = (env: Pick<Env, "SEND_GOVERNOR">, phoneNumberId: string): Governor =>
  env.SEND_GOVERNOR.get(env.SEND_GOVERNOR.idFromName(phoneNumberId));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends one project's messages at its number's throughput, a slice (a tenth of a second's worth)
 * at a time, each slice reserved from the number's governor first.
 */
export async function paceSends(
  governor: Governor,
  throughput: number,
  messages: Message<SendsBody>[],
  sendSlice: (slice: Message<SendsBody>[]) => Promise<void>,
) {
  // Pair rate: a second message to the same recipient in one batch waits for the next window.
  const seen = new Set<string>();
  const now: Message<SendsBody>[] = [];
  for (const message of messages) {
    const to = message.body.kind === "api-send" ? message.body.contact.number : null;
    if (to && seen.has(to)) message.retry({ delaySeconds: PAIR_RATE_SECONDS });
    else {
      if (to) seen.add(to);
      now.push(message);
    }
  }
  const size = Math.max(1, Math.min(100, Math.floor(throughput / 10)));
  for (let i = 0; i < now.length; i += size) {
    const slice = now.slice(i, i + size);
    const grant = await governor.reserve(slice.length, throughput);
    if (grant.waitMs > MAX_WAIT_MS) {
      for (const message of now.slice(i)) message.retry({ delaySeconds: Math.ceil(grant.waitMs / 1000) });
      return;
    }
    if (grant.waitMs > 0) await sleep(grant.waitMs);
    await sendSlice(slice);
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
