/**
 * Runs `work` with a signal that aborts (a `TimeoutError`) after `ms`, and clears the timer as soon
 * as `work` settles. `AbortSignal.timeout` keeps its timer running for the full time after the call
 * has returned; at a thousand outgoing calls a second with a ten-second limit, one isolate would
 * hold 10,000 of them, workerd's limit of active timeouts, and the next call would throw.
 */
export async function withTimeLimit<T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException("time limit reached", "TimeoutError")), ms);
  try {
    return await work(controller.signal);
  } finally {
    clearTimeout(timer);
  }
}
