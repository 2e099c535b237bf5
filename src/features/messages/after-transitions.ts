import type { Transition } from "../../platform/db/schema";
import type { Logger } from "../../platform/log";
import { drainOutbox } from "../outbox";

/**
 * Everything that follows a message's real state transitions — the campaign's counters and the
 * customer's status callbacks — reads them from the ledger's history rows, which D1 committed with
 * the transitions (src/features/outbox). Called by writers after their commit, it asks the outbox
 * to hand them over. Neither may hold up sending: with `ctx` (a queue consumer) the invocation
 * returns without waiting for it, and a failure is logged, not thrown. Nothing is lost either way:
 * the outbox's alarm or the every-minute cron hands the rows over later.
 */
export async function afterTransitions(
  env: Env,
  transitions: (Transition | null)[],
  log: Logger,
  ctx?: Pick<ExecutionContext, "waitUntil">,
) {
  if (!transitions.some((t) => t !== null)) return;
  const drained = drainOutbox(env).catch((err: unknown) => {
    log.warn("outbox not drained now; its alarm or the cron catches up", { err });
  });
  if (ctx) ctx.waitUntil(drained);
  else await drained;
}
