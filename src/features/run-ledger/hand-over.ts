import { createDb } from "../../platform/db/client";
import type { Transition } from "../../platform/db/schema";
import { ledgerMessageId } from "../../platform/ids";
import { enqueueCallbacks } from "../customer-callbacks/enqueue";
import { recordStats } from "../stats/record";
import type { LedgerMeta, LedgerMove } from "./schema";
import type { LedgerStore } from "./store";

/** Calls' moves handed over per round: each call moved up to a page of 500. */
export const LOG_PAGE = 20;

/** One call's moves, waiting to be handed over under its id. */
interface Logged {
  id: number;
  at: number;
  moves: LedgerMove[];
  /** In a `log` row rather than on the counters' row. */
  spilled: boolean;
}

/** The source the campaign's statistics keep this ledger's watermark under. */
export const sourceOf = (meta: LedgerMeta) => `run:${meta.runRef}`;

/** Calls' moves as the transitions the counters and the callbacks take. */
export function transitionsOf(meta: LedgerMeta, calls: Logged[]) {
  const source = sourceOf(meta);
  return calls.flatMap((call) =>
    call.moves.map(
      ([slot, from, to, code, title, message]): Transition & { eventId: number; at: number; source: string } => ({
        eventId: call.id,
        at: call.at,
        source,
        messageId: ledgerMessageId(meta.runRef, slot),
        projectId: meta.projectId,
        campaignId: meta.campaignId,
        // An API day's messages are of no run, as the D1 ledger's API messages are.
        runId: (meta.apiDay ?? null) === null ? meta.runId : null,
        from,
        to,
        ...(to === "failed" ? { error: { code: code ?? null, title: title ?? "error", message: message ?? "" } } : {}),
      }),
    ),
  );
}

/**
 * The oldest calls' moves not handed over: those waiting on the counters' row and those spilled
 * into `log` (./move-log.ts), merged by id.
 */
function oldest(store: LedgerStore): Logged[] {
  const waiting = store.moves.waiting().map(([id, at, moves]): Logged => ({ id, at, moves, spilled: false }));
  const logged = store
    .exec<{ id: number; moves: string; at: number }>("SELECT id, moves, at FROM log ORDER BY id LIMIT ?", LOG_PAGE)
    .map((r): Logged => ({ id: r.id, at: r.at, moves: JSON.parse(r.moves) as LedgerMove[], spilled: true }));
  // A full page of the log may have more rows behind it: nothing past its last id goes before them.
  const bound = logged.length === LOG_PAGE ? (logged.at(-1)?.id ?? 0) : Number.POSITIVE_INFINITY;
  return [...waiting, ...logged]
    .sort((a, b) => a.id - b.id)
    .filter((c) => c.id <= bound)
    .slice(0, LOG_PAGE);
}

/** Whether calls' moves wait for the hand-over. */
export const waitingMoves = (store: LedgerStore) =>
  store.moves.waitingCount() > 0 || store.exec<{ x: number }>("SELECT EXISTS (SELECT 1 FROM log) AS x")[0]?.x === 1;

/**
 * Hands the oldest calls' moves to the campaign's statistics and the customer's callbacks, and
 * notes them handed over (the row drops them with its next write; a spilled row is deleted);
 * whether more are waiting, calls made meanwhile included. A round that fails keeps them, and
 * hands them over again: the statistics skip what they counted (the watermark per ledger), and
 * callbacks carry stable ids that receivers deduplicate by (docs/customer-callbacks.md).
 */
export async function handOver(env: Env, store: LedgerStore, meta: LedgerMeta): Promise<boolean> {
  const calls = oldest(store);
  const last = calls.at(-1);
  if (!last) return false;
  const transitions = transitionsOf(meta, calls);
  await Promise.all([recordStats(env, transitions), enqueueCallbacks(env, createDb(env.DB), transitions)]);
  store.moves.handedOver(last.id);
  if (calls.some((c) => c.spilled)) store.exec("DELETE FROM log WHERE id <= ?", last.id);
  return waitingMoves(store);
}

/** After a failed hand-over, the alarm tries again this much later; calls leave it to the alarm till then. */
const RETRY_MS = 5_000;

/**
 * How long after a call the alarm comes: it hands over what a crash left behind, and drops from
 * the counters' row what was handed over. One alarm covers every call in its time (each
 * `setAlarm()` is billed as a row written).
 */
export const SAFETY_MS = 10_000;

/** What the hand-over needs of its object. */
interface Owner {
  env: Env;
  storage: DurableObjectStorage;
  store: () => LedgerStore;
  meta: () => LedgerMeta | null;
}

/**
 * An object's hand-overs: each call that moved messages starts one at once, and arms the alarm
 * as the safety net that a crash cannot lose. One loop runs at a time; a call made while it runs
 * is handed over by the same loop.
 */
export class HandOvers {
  private running: Promise<void> | null = null;
  private armed = false;
  private retryAt = 0;

  constructor(private readonly owner: Owner) {}

  /** After a call's transaction committed: arms the alarm if it is not, and hands over now. */
  async moved() {
    // Before any await, so the alarm is written with the call's transaction.
    if (!this.armed) await this.arm(SAFETY_MS);
    if (Date.now() >= this.retryAt) this.run().catch(() => undefined);
  }

  /** Hands over what waits, `rounds` at most; the loop already running, if one is. */
  run(rounds = Number.POSITIVE_INFINITY): Promise<void> {
    const meta = this.owner.meta();
    if (!meta) return Promise.resolve();
    this.running ??= (async () => {
      try {
        for (let round = 0; round < rounds && (await handOver(this.owner.env, this.owner.store(), meta)); round++);
      } catch (err) {
        this.retryAt = Date.now() + RETRY_MS;
        throw err;
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /** The alarm: hands over what waits, drops what was handed over from the row, and re-arms if needed. */
  async alarm(log: (err: unknown) => void) {
    try {
      await this.run();
      const store = this.owner.store();
      store.moves.prune();
      if (waitingMoves(store)) await this.arm(SAFETY_MS);
      else this.armed = false;
    } catch (err) {
      log(err);
      await this.arm(RETRY_MS);
    }
  }

  /** The object's storage went whole, its alarm with it. */
  disarm() {
    this.armed = false;
  }

  private arm(after: number) {
    this.armed = true;
    this.owner.store().cost.rowsWritten++;
    return this.owner.storage.setAlarm(Date.now() + after);
  }
}
