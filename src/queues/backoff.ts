// How long a queue message waits before its next delivery, for every consumer. Queues take delays
// in whole seconds.

/** No retry waits longer than this: a send or an event 15 minutes late is already late enough. */
export const MAX_RETRY_DELAY_SECONDS = 15 * 60;

/**
 * Exponential backoff with full jitter: attempt n waits a random whole number of seconds up to
 * min(cap, base · 2^(n-1)), at least 1. The jitter spreads a burst of failures (a provider outage,
 * a D1 hiccup) so their retries do not all arrive together.
 */
export function backoffSeconds(attempts: number, base = 2, cap = MAX_RETRY_DELAY_SECONDS): number {
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempts - 1));
  return Math.max(1, Math.round(Math.random() * ceiling));
}

/** Customer callbacks back off from 10 s (ceilings of 10, 20, 40 … s), as documented to customers. */
export const CALLBACK_BACKOFF_BASE_SECONDS = 10;

export const callbackBackoffSeconds = (attempts: number) => backoffSeconds(attempts, CALLBACK_BACKOFF_BASE_SECONDS);

/**
 * An import chunk retries without jitter (5, 10, 20 … s, at most 5 minutes): one upload's chunks run
 * one after another, so there is no burst of retries for jitter to spread.
 */
export const importBackoffSeconds = (attempts: number) => Math.min(300, 5 * 2 ** Math.max(0, attempts - 1));

/** A dead letter that could not be recorded is tried again a minute later, until it is. */
export const DEAD_LETTER_RETRY_SECONDS = 60;

/**
 * An account-level send error on a message without a campaign to pause (nothing a retry soon can
 * fix) waits five minutes, giving a person time to fix the account before its retries run out.
 */
export const ACCOUNT_ERROR_RETRY_SECONDS = 300;
