import { DurableObject } from "cloudflare:workers";
import { createLogger, logLevel } from "../../platform/log";
import { MARKETING_LIMIT_CODE } from "../../whatsapp/errors";
import { claim, PAYLOAD, permit, skip, unclaim } from "./claims";
import { handOver } from "./hand-over";
import { outcomes, type SlotResult } from "./outcomes";
import { MAX_PAGE, page } from "./reads";
import { type RecordedRecipient, record } from "./record";
import type { LedgerMeta } from "./schema";
import { type SlotStatus, statuses } from "./statuses";
import { LedgerStore } from "./store";
import { cancelWaiting, sweepSending } from "./sweep";

/** After a failed hand-over, the alarm tries again this much later. */
const RETRY_MS = 5_000;

/** Hand-over rounds an emptying call makes before it leaves the rest to the alarm and is tried again. */
const HAND_OVER_ROUNDS = 10;

/**
 * One broadcast run's messages (./schema.ts), named `run:<ref>`. Every call that moves messages
 * runs as one transaction with its counters and its log row, and sets the alarm that hands the
 * log over, so the campaign's statistics and the customer's callbacks follow every move exactly
 * once, whatever crashes in between.
 */
export class RunLedger extends DurableObject<Env> {
  private store: LedgerStore;
  private meta: LedgerMeta | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new LedgerStore(ctx.storage.sql);
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

  /** Runs a call that may log moves, then makes sure the alarm will hand them over. */
  private async moving<T>(work: () => T): Promise<T> {
    const result = this.transaction(work);
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now());
    return result;
  }

  private readMeta(): LedgerMeta | null {
    if (this.meta) return this.meta;
    const [row] = this.store.exec<{ project_id: string; campaign_id: string; run_id: string; run_ref: string }>(
      "SELECT project_id, campaign_id, run_id, run_ref FROM meta",
    );
    this.meta = row
      ? { projectId: row.project_id, campaignId: row.campaign_id, runId: row.run_id, runRef: row.run_ref }
      : null;
    return this.meta;
  }

  /** Records a fan-out page of the run `meta` names (the first page writes it), with its bases. */
  record(meta: LedgerMeta, bases: [string, string][], recipients: RecordedRecipient[], at = Date.now()) {
    return this.moving(() => {
      if (!this.readMeta()) {
        this.store.exec(
          "INSERT INTO meta (id, project_id, campaign_id, run_id, run_ref) VALUES (1, ?, ?, ?, ?)",
          meta.projectId,
          meta.campaignId,
          meta.runId,
          meta.runRef,
        );
        this.meta = meta;
      }
      return record(this.store, bases, recipients, at);
    });
  }

  /** Releases up to `limit` claims for the number's governor to queue (./claims.ts). */
  permit(limit: number, at = Date.now()) {
    return this.transaction(() => permit(this.store, limit, at));
  }

  /** Hands out up to `limit` queued messages to be sent (./claims.ts). */
  claim(limit: number, at = Date.now()) {
    return this.transaction(() => claim(this.store, limit, at));
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
    return this.moving(() => sweepSending(this.store, before, at));
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

  /** A message's whole payload (JSON), if the run is `projectId`'s and the message has one. */
  payload(projectId: string, slot: number): string | null {
    if (this.readMeta()?.projectId !== projectId) return null;
    const [row] = this.store.exec<{ payload: string | null }>(
      `SELECT ${PAYLOAD} AS payload FROM messages m WHERE m.slot = ?`,
      slot,
    );
    return row?.payload ?? null;
  }

  /**
   * Failed messages after `after` in key order, with their whole payload, of `projectId`'s run:
   * those whose failure was retryable, or (`marketingLimited`) held by Meta's marketing limit. A
   * retry reads them once; the scan reads every message of the run over its pages.
   */
  failures(projectId: string, after: number, limit: number, marketingLimited: boolean) {
    if (this.readMeta()?.projectId !== projectId) return [];
    return this.store.exec<{ slot: number; number: string; payload: string | null }>(
      `SELECT m.slot, m.number, ${PAYLOAD} AS payload FROM messages m
       WHERE m.slot > ? AND m.status = 'failed' AND iif(?, m.error_code = ${MARKETING_LIMIT_CODE}, m.error_class = 'retryable')
       ORDER BY m.slot LIMIT ?`,
      after,
      marketingLimited ? 1 : 0,
      Math.min(Math.max(1, limit), MAX_PAGE),
    );
  }

  /**
   * The run's delivered messages by what Meta charged (`billing`) and the UTC day (days since the
   * epoch) each was delivered, for `projectId`'s run: one grouped scan, for a billing report.
   */
  billing(projectId: string) {
    if (this.readMeta()?.projectId !== projectId) return [];
    return this.store.exec<{ billing: string | null; day: number; count: number }>(
      "SELECT billing, delivered_at / 86400000 AS day, count(*) AS count FROM messages WHERE delivered_at IS NOT NULL GROUP BY 1, 2",
    );
  }

  /**
   * The run's messages recorded since `since`, counted as the overview counts D1's (accepted,
   * reached sent, delivered, read; failed; still queued or sending), for `projectId`'s run.
   */
  tally(projectId: string, since: number) {
    const zero = { accepted: 0, sent: 0, delivered: 0, read: 0, failed: 0, pending: 0 };
    if (this.readMeta()?.projectId !== projectId) return zero;
    const [row] = this.store.exec<typeof zero>(
      `SELECT count(*) AS accepted,
              coalesce(sum(sent_at IS NOT NULL OR delivered_at IS NOT NULL OR read_at IS NOT NULL), 0) AS sent,
              coalesce(sum(delivered_at IS NOT NULL OR read_at IS NOT NULL), 0) AS delivered,
              coalesce(sum(read_at IS NOT NULL), 0) AS read,
              coalesce(sum(status = 'failed'), 0) AS failed,
              coalesce(sum(status IS NULL), 0) AS pending
       FROM messages WHERE created_at >= ?`,
      since,
    );
    return row ?? zero;
  }

  /**
   * The slots in (`after`, `through`] whose message reached sent, delivered or read (`received`),
   * or read (`read`), for `projectId`'s run: a segment's behaviour condition over one window of
   * contacts (src/features/audiences/behaviour-reach.ts). A range of the key, so a window costs
   * its own rows.
   */
  reached(projectId: string, after: number, through: number, what: "received" | "read"): number[] {
    if (this.readMeta()?.projectId !== projectId) return [];
    return this.store
      .exec<{ slot: number }>(
        `SELECT slot FROM messages WHERE slot > ? AND slot <= ? AND status IN ${what === "read" ? "('read')" : "('sent', 'delivered', 'read')"}`,
        after,
        through,
      )
      .map((r) => r.slot);
  }

  /** The numbers of `projectId`'s run that were sent to since `since` (the messaging limit's window). */
  sentSince(projectId: string, since: number): string[] {
    if (this.readMeta()?.projectId !== projectId) return [];
    return this.store
      .exec<{ number: string }>("SELECT number FROM messages WHERE sent_at >= ?", since)
      .map((r) => r.number);
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

  /** Log rows not handed over yet. */
  pendingLog() {
    return this.store.exec<{ n: number }>("SELECT count(*) AS n FROM log")[0]?.n ?? 0;
  }

  /**
   * Empties the object once the run's archive is written (src/features/archive/ledger-unit.ts):
   * only when its log is handed over and no message changed since `since`, else it says which held
   * it back. Its storage goes whole; what asks it later finds an empty run.
   */
  async empty(since: number) {
    // The log is handed over now rather than waiting for the alarm: a round the alarm repeats counts
    // nothing twice (./hand-over.ts).
    const meta = this.readMeta();
    for (let round = 0; meta && round < HAND_OVER_ROUNDS && (await handOver(this.env, this.store, meta)); round++);
    const pending = this.pendingLog();
    const [row] = this.store.exec<{ n: number }>("SELECT count(*) AS n FROM messages WHERE updated_at >= ?", since);
    const changed = row?.n ?? 0;
    if (pending > 0 || changed > 0) return { pending, changed };
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.meta = null;
    this.store = new LedgerStore(this.ctx.storage.sql);
    return { pending: 0, changed: 0 };
  }

  /** The object's SQLite size in bytes. */
  size() {
    return this.ctx.storage.sql.databaseSize;
  }

  override async alarm(): Promise<void> {
    const meta = this.readMeta();
    if (!meta) return;
    try {
      if (await handOver(this.env, this.store, meta)) await this.ctx.storage.setAlarm(Date.now());
    } catch (err) {
      createLogger({ task: "run-ledger", runId: meta.runId }, logLevel(this.env)).error(
        "run ledger's moves not handed over; retrying",
        { err },
      );
      await this.ctx.storage.setAlarm(Date.now() + RETRY_MS);
    }
  }
}
