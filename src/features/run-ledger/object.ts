import { DurableObject } from "cloudflare:workers";
import { createLogger, logLevel } from "../../platform/log";
import { claim, permit, reclaim, skip, unclaim } from "./claims";
import { type DayRecipient, RecordedBefore, recordSends, returnedBefore } from "./day";
import { HandOvers } from "./hand-over";
import { outcomes, type SlotResult } from "./outcomes";
import { billing, failures, page, payloadOf, reached, reachedNumbers, sentSince, tally } from "./reads";
import { type RecordedRecipient, record } from "./record";
import type { LedgerMeta } from "./schema";
import { type SlotStatus, statuses } from "./statuses";
import { LedgerStore, meterOf } from "./store";
import { cancelWaiting, sweepSending } from "./sweep";

/** Hand-over rounds an emptying call makes before it leaves the rest to the alarm and is tried again. */
const HAND_OVER_ROUNDS = 10;

/**
 * One broadcast run's messages (./schema.ts), named `run:<ref>`. Every call that moves messages
 * runs as one transaction with its counters and the list of its moves, and sets the alarm that
 * hands those over, so the campaign's statistics and the customer's callbacks follow every move
 * exactly once, whatever crashes in between.
 */
export class RunLedger extends DurableObject<Env> {
  private store: LedgerStore;
  private meta: LedgerMeta | null = null;
  private readonly handOvers: HandOvers;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new LedgerStore(ctx.storage.sql, meterOf(ctx.id.toString()));
    this.handOvers = new HandOvers({
      env,
      storage: ctx.storage,
      store: () => this.store,
      meta: () => this.readMeta(),
    });
  }

  /** Runs `work` as one transaction; what memory holds of the storage is dropped if it fails. */
  private transaction<T>(work: () => T): T {
    try {
      return this.ctx.storage.transactionSync(work);
    } catch (err) {
      this.store.reset();
      throw err;
    }
  }

  /** Runs a call that may move messages, then hands its moves over (./hand-over.ts). */
  private async moving<T>(work: () => T): Promise<T> {
    const result = this.transaction(work);
    await this.handOvers.moved();
    return result;
  }

  private readMeta(): LedgerMeta | null {
    if (this.meta) return this.meta;
    this.meta = this.store.meta();
    return this.meta;
  }

  /** Whether the object keeps an API campaign's day (./day.ts) rather than a run. */
  private isDay(): boolean {
    return (this.readMeta()?.apiDay ?? null) !== null;
  }

  /** Writes the meta row on first use: the run or API day `meta` names. */
  private ensureMeta(meta: LedgerMeta) {
    if (this.readMeta()) return;
    this.store.exec(
      "INSERT INTO meta (id, project_id, campaign_id, run_id, run_ref, api_day) VALUES (1, ?, ?, ?, ?, ?)",
      meta.projectId,
      meta.campaignId,
      meta.runId,
      meta.runRef,
      meta.apiDay ?? null,
    );
    this.meta = { ...meta, apiDay: meta.apiDay ?? null };
  }

  /** Records a fan-out page of the run `meta` names (the first page writes it), with its bases. */
  record(meta: LedgerMeta, bases: [string, string][], recipients: RecordedRecipient[], at = Date.now()) {
    return this.moving(() => {
      this.ensureMeta(meta);
      return record(this.store, bases, recipients, at);
    });
  }

  /**
   * The first of `count` slots of the API day `meta` names (the first block writes it), for an
   * isolate's sends' ids (src/features/api-days); one call at a time, so never given twice.
   */
  reserve(meta: LedgerMeta, count: number) {
    return this.transaction(() => {
      this.ensureMeta(meta);
      return this.store.takeSlots(count);
    });
  }

  /** Records API sends of `projectId`'s day at their slots, claimed to be sent now (./day.ts). */
  async recordSends(projectId: string, bases: [string, string][], sends: DayRecipient[], at = Date.now()) {
    const meta = this.readMeta();
    if (meta?.projectId !== projectId || !this.isDay()) {
      throw new Error(`no API day of project ${projectId} in this object to record sends in`);
    }
    const record = (fresh: boolean) =>
      this.moving(() => ({ meta, ...recordSends(this.store, bases, sends, at, fresh) }));
    // Some were recorded before (a redelivery): rolled back, and recorded again reading which.
    return record(false).catch((err: unknown) => {
      if (err instanceof RecordedBefore) return record(true);
      throw err;
    });
  }

  /** Claims the given-back messages among `slots` again (a queue job naming them), each once. */
  reclaim(projectId: string, slots: number[], at = Date.now()) {
    const meta = this.readMeta();
    if (meta?.projectId !== projectId) return { runId: null, rows: [] };
    return { runId: meta.runId, rows: this.transaction(() => reclaim(this.store, slots, at)) };
  }

  /** Given-back slots after `after` waiting since before `before`, to be put on the queue again. */
  returnedBefore(before: number, after: number, limit: number) {
    return returnedBefore(this.store, before, after, limit);
  }

  /** Releases up to `limit` claims for the number's governor to queue (./claims.ts). */
  permit(limit: number, at = Date.now()) {
    return this.transaction(() => permit(this.store, limit, at));
  }

  /** Hands out up to `limit` queued messages to be sent (./claims.ts). */
  claim(limit: number, at = Date.now()) {
    return this.transaction(() => claim(this.store, limit, at, this.isDay()));
  }

  /** Gives back claimed messages that were not sent. */
  unclaim(slots: number[]) {
    return this.transaction(() => unclaim(this.store, slots));
  }

  /** Skips unsettled messages that must not be sent (an opt-out since the fan-out). */
  skip(slots: number[], reason: string, at = Date.now()) {
    return this.moving(() => skip(this.store, slots, reason, at));
  }

  /**
   * Records Meta's answers to claimed messages (./outcomes.ts); `finished`: this call settled the
   * run's last unsettled message.
   */
  outcomes(results: SlotResult[], maxAttempts: number, at = Date.now()) {
    return this.moving(() => this.settling(() => outcomes(this.store, results, maxAttempts, at)));
  }

  /** Runs `work`, and says whether it left nothing unsettled where something was. */
  private settling<T>(work: () => T): { result: T; finished: boolean } {
    const before = this.store.counts().queued;
    const result = work();
    return { result, finished: before > 0 && this.store.counts().queued === 0 };
  }

  /**
   * Applies Meta's status webhooks (./statuses.ts) that came for the run's project (another
   * project's webhook naming this run's messages changes nothing); `finished`: this call settled
   * the run's last unsettled message (an unknown outcome settled by Meta's word).
   */
  statuses(projectId: string, updates: SlotStatus[], at = Date.now()) {
    return this.moving(() => {
      if (this.readMeta()?.projectId !== projectId) return { moves: [], duplicates: [], finished: false };
      const { result, finished } = this.settling(() => statuses(this.store, updates, at));
      return { ...result, finished };
    });
  }

  /** Fails what has been sending since before `before` (./sweep.ts); how many. */
  sweep(before: number, at = Date.now()) {
    return this.moving(() => sweepSending(this.store, before, at, this.isDay()));
  }

  /** Skips a page of a cancelled run's waiting messages; how many (a full page: call again). */
  cancel(reason: string, at = Date.now()) {
    return this.moving(() => cancelWaiting(this.store, reason, at));
  }

  /** Forgets the claims released and not used yet: the run is fed again from scratch (a resume). */
  resetPermits() {
    this.transaction(() => this.store.exec("UPDATE counts SET permitted = 0"));
  }

  /** One message with its run, if the run is `projectId`'s (another project's id finds nothing). */
  message(projectId: string, slot: number) {
    const meta = this.readMeta();
    if (meta?.projectId !== projectId) return null;
    const [row] = page(this.store, slot - 1, 1);
    return row?.slot === slot ? { meta, row } : null;
  }

  /**
   * A message's whole payload (JSON), if the run is `projectId`'s and the message has one, with the
   * template it names (an API day's message: its ref; a run's: null, its campaign's).
   */
  payload(projectId: string, slot: number) {
    return this.mine(projectId) ? payloadOf(this.store, slot) : null;
  }

  /**
   * Failed messages after `after` in key order, with their whole payload, of `projectId`'s run:
   * those whose failure was retryable, or (`marketingLimited`) held by Meta's marketing limit.
   */
  failures(projectId: string, after: number, limit: number, marketingLimited: boolean) {
    return this.mine(projectId) ? failures(this.store, after, limit, marketingLimited) : [];
  }

  /** The run's delivered messages by what Meta charged and the UTC day, for `projectId`'s run. */
  billing(projectId: string) {
    return this.mine(projectId) ? billing(this.store) : [];
  }

  /** The run's messages recorded since `since`, counted as the overview counts D1's. */
  tally(projectId: string, since: number) {
    return this.mine(projectId) ? tally(this.store, since) : tally(null, since);
  }

  /** The slots in (`after`, `through`] that reached `what`, for `projectId`'s run (a segment's window). */
  reached(projectId: string, after: number, through: number, what: "received" | "read"): number[] {
    return this.mine(projectId) ? reached(this.store, after, through, what) : [];
  }

  /** Which of `numbers` `projectId`'s API day reached (a segment's window, ./reads.ts). */
  reachedNumbers(projectId: string, numbers: string[], what: "received" | "read"): string[] {
    return this.mine(projectId) ? reachedNumbers(this.store, numbers, what) : [];
  }

  /** The numbers of `projectId`'s run that were sent to since `since` (the messaging limit's window). */
  sentSince(projectId: string, since: number): string[] {
    return this.mine(projectId) ? sentSince(this.store, since) : [];
  }

  /** Whether the object keeps `projectId`'s run: another project's asks find nothing. */
  private mine(projectId: string) {
    return this.readMeta()?.projectId === projectId;
  }

  /** Messages after `after` in key order, with their state (./reads.ts). */
  page(after: number, limit: number, states?: Parameters<typeof page>[3]) {
    return page(this.store, after, limit, states);
  }

  /** The run's counters, exact; `queued` counts those being sent too. */
  counts() {
    return this.store.counts();
  }

  /** Messages still queued or sending: the run is finished when none is. */
  unsettled() {
    return this.store.counts().queued;
  }

  /** Calls whose moves are not handed over yet (./hand-over.ts). */
  pendingLog() {
    const spilled = this.store.exec<{ n: number }>("SELECT count(*) AS n FROM log")[0]?.n ?? 0;
    return this.store.moves.waitingCount() + spilled;
  }

  /**
   * Empties the object once the run's archive is written (src/features/archive/ledger-unit.ts):
   * only when its moves are handed over and no message changed since `since`, else it says which held
   * it back. Its storage goes whole; what asks it later finds an empty run.
   */
  async empty(since: number) {
    // Handed over now rather than left to the alarm: a round repeated counts nothing twice.
    await this.handOvers.run(HAND_OVER_ROUNDS);
    const pending = this.pendingLog();
    const [row] = this.store.exec<{ n: number }>("SELECT count(*) AS n FROM messages WHERE updated_at >= ?", since);
    const changed = row?.n ?? 0;
    if (pending > 0 || changed > 0) return { pending, changed };
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.handOvers.disarm();
    this.meta = null;
    this.store = new LedgerStore(this.ctx.storage.sql, meterOf(this.ctx.id.toString()));
    return { pending: 0, changed: 0 };
  }

  /** The object's SQLite size in bytes. */
  size() {
    return this.ctx.storage.sql.databaseSize;
  }

  override async alarm(): Promise<void> {
    const meta = this.readMeta();
    if (!meta) return;
    await this.handOvers.alarm((err) =>
      createLogger({ task: "run-ledger", runId: meta.runId }, logLevel(this.env)).error(
        "run ledger's moves not handed over; retrying",
        { err },
      ),
    );
  }
}
