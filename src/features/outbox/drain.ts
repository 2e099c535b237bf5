import type { Db } from "../../platform/db/client";
import { enqueueCallbacks } from "../customer-callbacks/enqueue";
import { recordStats } from "../stats/record";
import { readLegacy, readLog } from "./ledger";
import { nameRefs } from "./name-refs";

/** History rows read per page: one D1 read, and at most one stats call per campaign in it. */
export const OUTBOX_PAGE = 500;
/**
 * Log rows read per page: each lists one batch's moves (one for an API send recorded alone, up to
 * a few hundred for a batch of statuses), summed per run before the one statistics call per campaign.
 */
export const LOG_PAGE = 50;

/**
 * Hands one page of the ledger's transitions after `after` (history rows up to `legacyThrough`,
 * then log rows) to everything that follows them: the
 * campaigns' counters (each object skips rows it counted already) and the customers' status
 * callbacks (queued with stable ids: a page handed over twice may queue a callback twice, and
 * receivers deduplicate by id, docs/customer-callbacks.md). Throws if either fails, so the caller
 * keeps its watermark and hands the page over again. Returns the id to continue after, and
 * whether the page was full (more may be waiting).
 */
export async function drainPage(env: Env, db: Db, after: number, pageSize?: number, legacyThrough = 0) {
  const limit = pageSize ?? (after < legacyThrough ? OUTBOX_PAGE : LOG_PAGE);
  const { last, read, transitions } =
    after < legacyThrough ? await readLegacy(db, after, limit, legacyThrough) : await readLog(db, after, limit);
  // The last legacy rows may be claims or marks the reader skips: the log starts after the boundary.
  if (last === null && after < legacyThrough) return { next: legacyThrough, more: true, transitions: 0 };
  if (last === null) return { next: after, more: false, transitions: 0 };
  await nameRefs(db, transitions);
  await Promise.all([recordStats(env, transitions), enqueueCallbacks(env, db, transitions)]);
  // A page that was not full read everything committed before its query: nothing more to fetch now.
  return { next: last, more: read === limit, transitions: transitions.length };
}
