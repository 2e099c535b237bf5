// One CampaignStats object per campaign (named by the campaign id): the campaign is the unit of
// coordination, so its counters, its live sockets and its scheduled runs share one object. The
// schedule lives here because a storage alarm belongs to one object; one object per campaign lets
// all of the campaign's runs share its alarm. The class name is the binding's class_name and the
// name the migrations know it by: renaming it needs a `renamed_classes` deploy migration, and a
// rename without one would orphan the stored schedules and counters. So it stays `CampaignStats`.
import { DurableObject } from "cloudflare:workers";
import {
  addCounts,
  type Counts,
  createCountersTable,
  readCounts,
  readWatermark,
  replaceCounts,
  type StatsEntry,
  type StatsSnapshot,
} from "./counters";
import { acceptLiveSocket, answerLiveMessage, broadcast, closeLiveSocket, type LiveState } from "./live";
import {
  createScheduleTable,
  type ScheduledRun,
  scheduledRuns,
  scheduleRun,
  startDueRuns,
  unscheduleRun,
} from "./run-schedule";
import {
  createSeriesTables,
  foldBefore,
  foldSeries,
  latestMinute,
  minuteRows,
  type RunPoint,
  readSeries,
  type StoredSeries,
} from "./series";

export {
  COUNTERS,
  type Counter,
  type Counts,
  type RunStats,
  rate,
  type StatsEntry,
  type StatsSnapshot,
  withRates,
  zeroCounts,
} from "./counters";
export type { LiveMessage, LivePoint, LiveSeries } from "./live";
export type { ScheduledRun } from "./run-schedule";
export { HOUR, MINUTE, MINUTE_RETENTION, type RunPoint, type SeriesPoint, type StoredSeries } from "./series";

/**
 * A campaign's counters (per run and in total) and their time series in the object's own SQLite,
 * live updates of them over hibernating WebSockets, and the schedule of the campaign's runs on the
 * object's alarm.
 */
export class CampaignStats extends DurableObject<Env> {
  /** The boundary minute rows were last folded to, in this instance (0: not yet). */
  private folded = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    createCountersTable(ctx.storage.sql);
    createSeriesTables(ctx.storage.sql);
    createScheduleTable(ctx.storage.sql);
  }

  /**
   * Starts the run at `at` (Unix ms): the run is kept in this object's schedule and the storage
   * alarm is set to the earliest scheduled run, so the campaign's runs share one alarm.
   */
  async scheduleRun(runId: string, projectId: string, at: number): Promise<void> {
    return scheduleRun(this.ctx.storage, runId, projectId, at);
  }

  /** Takes a run off the schedule. Returns whether it was on it. */
  async unscheduleRun(runId: string): Promise<boolean> {
    return unscheduleRun(this.ctx.storage, runId);
  }

  /** The runs waiting for their time, earliest first. */
  scheduledRuns(): ScheduledRun[] {
    return scheduledRuns(this.ctx.storage.sql);
  }

  /** Hands the due runs to the jobs queue; a throw makes the runtime retry the alarm. */
  override async alarm(): Promise<void> {
    return startDueRuns(this.ctx.storage, this.env);
  }

  /** Adds `deltas` to a run's counters. Callers pass only real state transitions. */
  add(runId: string, deltas: Partial<Counts>): void {
    this.addMany([{ runId, deltas }]);
  }

  /**
   * Adds every entry's deltas to the counters and the series in one transaction, then sends the new
   * counters and the minutes that moved to every live socket.
   */
  addMany(entries: StatsEntry[]): void {
    const now = this.fold();
    const { changed, minutes } = addCounts(this.ctx.storage, entries, now);
    if (changed) broadcast(this.ctx, () => this.liveState(minutes));
  }

  /**
   * Replaces the counters and the series with a recount from the ledger that saw its history up
   * to `through`.
   */
  rebuild(runs: Record<string, Partial<Counts>>, through: number, series: RunPoint[] = []): void {
    replaceCounts(this.ctx.storage, runs, through, series, Date.now());
    broadcast(this.ctx, () => this.liveState());
  }

  /** The series of one run (or of all: null) from `from` to `to` (Unix ms, inclusive). */
  series(runId: string | null, from: number, to: number): StoredSeries {
    const now = this.fold();
    return readSeries(this.ctx.storage.sql, runId, from, to, now);
  }

  /** The last ledger history row counted here. */
  watermark(): number {
    return readWatermark(this.ctx.storage.sql);
  }

  /** Counters and rates per run and summed over all runs. */
  read(): StatsSnapshot {
    return readCounts(this.ctx.storage.sql);
  }

  /** A WebSocket upgrade for live counters; anything else gets 426. */
  override async fetch(request: Request): Promise<Response> {
    return acceptLiveSocket(this.ctx, request, () => this.liveState());
  }

  /** The counters, with the given minutes of the series (none given: the latest one). */
  private liveState(minutes?: number[]): LiveState {
    const sql = this.ctx.storage.sql;
    const latest = minutes ? null : latestMinute(sql);
    return { snapshot: this.read(), minutes: minuteRows(sql, minutes ?? (latest === null ? [] : [latest])) };
  }

  /**
   * Folds minute rows past their retention into hours before a read or an add, so neither finds a
   * minute row older than the boundary; an instance asks its storage once per hour boundary.
   * Returns the time used.
   */
  private fold(): number {
    const now = Date.now();
    if (foldBefore(now) > this.folded) this.folded = foldSeries(this.ctx.storage, now);
    return now;
  }

  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): void {
    answerLiveMessage(ws, message);
  }

  override webSocketClose(ws: WebSocket, code: number, reason: string): void {
    closeLiveSocket(ws, code, reason);
  }
}
