import { DurableObject } from "cloudflare:workers";
import { lt } from "drizzle-orm";
import { createDb, type Db } from "../../platform/db/client";
import { ledgerLog, ledgerOutbox } from "../../platform/db/schema";
import { createLogger, logLevel } from "../../platform/log";
import { campaignStats } from "../stats/record";
import { countFromLedger } from "../stats/recount";
import { drainPage } from "./drain";

/** Pages one drain call hands over before it leaves the rest to the alarm. */
const PAGES_PER_CALL = 20;
/**
 * Log rows handed over before they are deleted, in one statement. A log row carries about 150
 * bytes a move (a fan-out page's, 500 moves, about 75 KB): twenty waiting bound what the database
 * carries for them, at one delete per twenty pages' worth of moves.
 */
const DELETE_EVERY = 20;
/** After a failed drain, the alarm tries again this much later. */
const RETRY_MS = 5_000;

/**
 * The one reader of the ledger's outbox (a single object, named "ledger"): it keeps the id of the
 * last history row it handed over in its storage, and hands the rows after it to the counters and
 * the callbacks, in order. Writers ask it to drain after they commit; if that call is lost (a
 * crash, a reset), its alarm or the every-minute cron catches up, so nothing is lost and nothing
 * counts twice (docs/delivery-pipeline.md#counters-and-callbacks-from-the-ledger).
 */
export class Outbox extends DurableObject<Env> {
  /** Drains and recounts run one at a time, in the order asked. */
  private tail: Promise<unknown> = Promise.resolve();
  private pending: Promise<number> | null = null;
  private legacyThrough: number | undefined;
  /** Log rows below this id are deleted (as far as this instance knows). */
  private forgotten: number | undefined;

  /**
   * Hands over everything written so far. Calls that arrive while a drain runs share the next one,
   * so any number of writers cost one reader, and a call returns once the rows its caller
   * committed before calling are handed over.
   */
  drain(): Promise<number> {
    this.pending ??= this.serial(() => {
      this.pending = null;
      return this.drainPages();
    });
    return this.pending;
  }

  /**
   * Counts a campaign again from D1 and replaces its counters, right after a drain and before the
   * next, so that no row is counted twice or missed; returns the counters before and after.
   */
  recount(campaignId: string) {
    return this.serial(async () => {
      // Everything committed so far is counted first: a difference is then a real fault.
      await this.drainPages();
      const stats = campaignStats(this.env, campaignId);
      const before = await stats.read();
      const { through, runs, series } = await countFromLedger(createDb(this.env.DB), campaignId);
      await stats.rebuild(runs, through, series);
      return { before, after: await stats.read(), through };
    });
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * The last history or log row handed over. A new object starts where the database's outbox
   * starts (history older than the outbox was counted when it was written; migrations/0011).
   */
  async watermark(): Promise<number> {
    const stored = await this.ctx.storage.get<number>("watermark");
    if (stored !== undefined) return stored;
    return (await this.boundaries()).start;
  }

  /** Where the outbox started, and the last message_events row it reads before the log (migrations/0019). */
  private async boundaries() {
    const row = await createDb(this.env.DB).select().from(ledgerOutbox).get();
    return { start: row?.start ?? 0, legacyThrough: row?.legacyThrough ?? 0 };
  }

  override async alarm(): Promise<void> {
    try {
      await this.drain();
    } catch (err) {
      createLogger({ task: "outbox" }, logLevel(this.env)).error("outbox drain failed; retrying", { err });
      await this.ctx.storage.setAlarm(Date.now() + RETRY_MS);
    }
  }

  private async drainPages(): Promise<number> {
    const db = createDb(this.env.DB);
    this.legacyThrough ??= (await this.boundaries()).legacyThrough;
    const start = await this.watermark();
    let after = start;
    try {
      return await this.pages(db, start, (next) => {
        after = next;
      });
    } finally {
      await this.forget(db, after);
    }
  }

  /**
   * Deletes log rows handed over, once every DELETE_EVERY of them (a statement per drain would
   * cost more than the rows): the newest stays, the recount and the archive read the last id from
   * it. A delete that fails is made by a later drain.
   */
  private async forget(db: Db, after: number) {
    this.forgotten ??= after;
    if (after - this.forgotten < DELETE_EVERY) return;
    try {
      await db.delete(ledgerLog).where(lt(ledgerLog.id, after));
      this.forgotten = after;
    } catch (err) {
      this.log().warn("handed-over log rows not deleted yet", { err });
    }
  }

  private log() {
    return createLogger({ task: "outbox" }, logLevel(this.env));
  }

  private async pages(db: Db, start: number, moved: (next: number) => void): Promise<number> {
    let after = start;
    let handed = 0;
    const legacyThrough = this.legacyThrough ?? 0;
    for (let page = 0; page < PAGES_PER_CALL; page++) {
      const result = await drainPage(this.env, db, after, undefined, legacyThrough).catch(async (err: unknown) => {
        // The page is handed over again: by the next writer's call, or this alarm at the latest.
        await this.ctx.storage.setAlarm(Date.now() + RETRY_MS);
        throw err;
      });
      if (result.next !== after) {
        after = result.next;
        handed += result.transitions;
        await this.ctx.storage.put("watermark", after);
        moved(after);
      }
      if (!result.more) return handed;
    }
    // More than one call's worth is waiting: the alarm goes on with it.
    await this.ctx.storage.setAlarm(Date.now());
    return handed;
  }
}
