import type { Db } from "../../platform/db/client";
import type { Transition } from "../../platform/db/schema";
import type { Logger } from "../../platform/log";
import { enqueueCallbacks } from "../customer-callbacks/enqueue";
import { recordStats } from "../stats/record";

/**
 * Everything that follows a message's real state transitions: the campaign's counters and the
 * customer's status callbacks. Called by the consumers after D1 has recorded the transitions;
 * neither may hold up sending, so a failure here is logged, not thrown.
 */
export async function afterTransitions(env: Env, db: Db, transitions: (Transition | null)[], log: Logger) {
  const real = transitions.filter((t): t is Transition => t !== null);
  if (real.length === 0) return;
  const results = await Promise.allSettled([recordStats(env, real), enqueueCallbacks(env, db, real)]);
  for (const result of results) {
    if (result.status === "rejected") log.error("after-transition work failed", { err: result.reason });
  }
}
