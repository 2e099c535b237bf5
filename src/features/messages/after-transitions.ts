import type { Db } from "../../platform/db/client";
import type { Transition } from "../../platform/db/schema";
import type { Logger } from "../../platform/log";
import { drainOutbox } from "../outbox";

/**
 * Everything that follows a message's real state transitions — the campaign's counters and the
 * customer's status callbacks — reads them from the ledger's history rows, which D1 committed with
 * the transitions (src/features/outbox). Called by writers after their commit, it asks the outbox
 * to hand them over now. Neither may hold up sending, so a failure here is logged, not thrown:
 * nothing is lost, as the outbox's alarm or the every-minute cron hands the rows over later.
 */
export async function afterTransitions(env: Env, _db: Db, transitions: (Transition | null)[], log: Logger) {
  if (!transitions.some((t) => t !== null)) return;
  try {
    await drainOutbox(env);
  } catch (err) {
    log.warn("outbox not drained now; its alarm or the cron catches up", { err });
  }
}
