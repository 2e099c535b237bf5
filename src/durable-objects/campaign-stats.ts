import { DurableObject } from "cloudflare:workers";
import { sendJobs } from "../queues/producers";

/** Counters a campaign keeps, per run and in total. */
export const COUNTERS = [
  "queued",
  "sent",
  "delivered",
  "read",
  "sendErrors",
  "deliveryErrors",
  "notOnWhatsApp",
  "skipped",
] as const;
export type Counter = (typeof COUNTERS)[number];
export type Counts = Record<Counter, number>;

/**
 * A run's (or the campaign's) counters with two rates, each a number from 0 to 1 rounded to 4
 * decimals, and 0 while its denominator is 0:
 *
 * - `deliveryRate` = delivered / sent: of the messages WhatsApp accepted, the share that reached
 *   the phone. Messages that failed before being sent (send errors, not on WhatsApp) are outside
 *   both numbers.
 * - `readRate` = read / delivered: of the delivered messages, the share that was read (as far as
 *   read receipts tell: a recipient who turned them off never counts as read).
 */
export interface RunStats extends Counts {
  deliveryRate: number;
  readRate: number;
}

/** What `read()` answers and what every live update sends. */
export interface StatsSnapshot {
  total: RunStats;
  runs: Record<string, RunStats>;
}

/** One run's deltas, for `addMany`. */
export interface StatsEntry {
  runId: string;
  deltas: Partial<Counts>;
}

/** The JSON text of each WebSocket message: the snapshot, tagged so that clients can grow with it. */
export interface LiveMessage extends StatsSnapshot {
  type: "stats";
}

export const zeroCounts = (): Counts => Object.fromEntries(COUNTERS.map((k) => [k, 0])) as Counts;

/** numerator / denominator as 0..1 with 4 decimals; 0 when the denominator is 0. */
export function rate(numerator: number, denominator: number): number {
  if (denominator <= 0) return 0;
  // Clamped: with the delta rules (src/stats/deltas.ts) read ≤ delivered ≤ sent always holds, so
  // the clamp only matters if a caller ever adds deltas that break those rules.
  return Math.min(1, Math.max(0, Math.round((numerator / denominator) * 10_000) / 10_000));
}

export function withRates(counts: Counts): RunStats {
  return {
    ...counts,
    deliveryRate: rate(counts.delivered, counts.sent),
    readRate: rate(counts.read, counts.delivered),
  };
}

const isCounter = (name: string): name is Counter => (COUNTERS as readonly string[]).includes(name);

/**
 * One object per campaign (named by the campaign id). Its own SQLite keeps the counters next to the
 * code that changes them, so a result read is one small query whatever the number of recipients:
 * one row per (run, counter) actually moved.
 *
 * Live progress uses the WebSocket Hibernation API: `fetch` accepts an upgrade, sends the current
 * counters at once, and every `add`/`addMany` sends the new counters to each connected socket. While
 * nothing is added, the object can be evicted from memory without closing the sockets.
 */
export class CampaignStats extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS counters (run_id TEXT NOT NULL, name TEXT NOT NULL, value INTEGER NOT NULL, PRIMARY KEY (run_id, name))",
    );
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS scheduled_runs (run_id TEXT PRIMARY KEY, project_id TEXT NOT NULL, at INTEGER NOT NULL)",
    );
  }

  /**
   * Starts the run at `at` (Unix ms): the run is kept in this object's schedule and the storage
   * alarm is set to the earliest scheduled run, so the campaign's runs share one alarm.
   */
  async scheduleRun(runId: string, projectId: string, at: number): Promise<void> {
    this.ctx.storage.sql.exec(
      "INSERT INTO scheduled_runs (run_id, project_id, at) VALUES (?, ?, ?) ON CONFLICT (run_id) DO UPDATE SET at = excluded.at",
      runId,
      projectId,
      at,
    );
    await this.armForNextRun();
  }

  /** Takes a run off the schedule. Returns whether it was on it. */
  async unscheduleRun(runId: string): Promise<boolean> {
    const removed = this.ctx.storage.sql.exec("DELETE FROM scheduled_runs WHERE run_id = ? RETURNING run_id", runId);
    const found = removed.toArray().length > 0;
    await this.armForNextRun();
    return found;
  }

  /** The runs waiting for their time, earliest first. */
  scheduledRuns(): { runId: string; projectId: string; at: number }[] {
    return this.ctx.storage.sql
      .exec<{ run_id: string; project_id: string; at: number }>(
        "SELECT run_id, project_id, at FROM scheduled_runs ORDER BY at, run_id",
      )
      .toArray()
      .map((r) => ({ runId: r.run_id, projectId: r.project_id, at: r.at }));
  }

  /**
   * Hands every due run to the jobs queue as a `run-start` job, then re-arms for the next one. The
   * runs leave the schedule only after their jobs were accepted: if the queue refuses, the alarm
   * throws and the runtime retries it, and a duplicate job finds the run already started.
   */
  override async alarm(): Promise<void> {
    const due = this.ctx.storage.sql
      .exec<{ run_id: string; project_id: string }>(
        "SELECT run_id, project_id FROM scheduled_runs WHERE at <= ? ORDER BY at LIMIT 1000",
        Date.now(),
      )
      .toArray();
    await sendJobs(
      this.env,
      due.map((r) => ({ kind: "run-start", runId: r.run_id, projectId: r.project_id })),
    );
    for (const r of due) this.ctx.storage.sql.exec("DELETE FROM scheduled_runs WHERE run_id = ?", r.run_id);
    await this.armForNextRun();
  }

  private async armForNextRun(): Promise<void> {
    const next = this.ctx.storage.sql.exec<{ at: number }>("SELECT min(at) AS at FROM scheduled_runs").toArray()[0]?.at;
    if (next === null || next === undefined) await this.ctx.storage.deleteAlarm();
    else if ((await this.ctx.storage.getAlarm()) !== next) await this.ctx.storage.setAlarm(next);
  }

  /** Adds `deltas` to a run's counters. Callers pass only real state transitions. */
  add(runId: string, deltas: Partial<Counts>): void {
    this.addMany([{ runId, deltas }]);
  }

  /**
   * Adds each entry's deltas to its run's counters, all in one storage transaction (all or none),
   * then sends the new counters to every live socket. Unknown counter names and deltas that are not
   * non-zero integers are ignored; so is an entry whose runId is not a non-empty string.
   */
  addMany(entries: StatsEntry[]): void {
    let changed = false;
    this.ctx.storage.transactionSync(() => {
      for (const { runId, deltas } of entries) {
        if (typeof runId !== "string" || runId === "" || deltas === null || typeof deltas !== "object") continue;
        for (const [name, delta] of Object.entries(deltas)) {
          if (!isCounter(name) || !Number.isInteger(delta) || delta === 0) continue;
          this.ctx.storage.sql.exec(
            "INSERT INTO counters (run_id, name, value) VALUES (?, ?, ?) ON CONFLICT (run_id, name) DO UPDATE SET value = value + excluded.value",
            runId,
            name,
            delta,
          );
          changed = true;
        }
      }
    });
    if (changed) this.broadcast();
  }

  /** Counters and rates per run and summed over all runs. */
  read(): StatsSnapshot {
    const runCounts: Record<string, Counts> = {};
    const total = zeroCounts();
    for (const row of this.ctx.storage.sql.exec<{ run_id: string; name: string; value: number }>(
      "SELECT run_id, name, value FROM counters",
    )) {
      if (!isCounter(row.name)) continue;
      const run = runCounts[row.run_id] ?? zeroCounts();
      run[row.name] = row.value;
      runCounts[row.run_id] = run;
      total[row.name] += row.value;
    }
    const runs: Record<string, RunStats> = {};
    for (const [runId, counts] of Object.entries(runCounts)) runs[runId] = withRates(counts);
    return { total: withRates(total), runs };
  }

  /**
   * A WebSocket upgrade: the socket is accepted for hibernation and gets the current counters at
   * once. Anything else gets 426. Authentication and the campaign's ownership are checked by the
   * Worker route before it forwards the request here.
   */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected a WebSocket upgrade", { status: 426, headers: { Upgrade: "websocket" } });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.send(this.liveMessage());
    return new Response(null, { status: 101, webSocket: client });
  }

  /** "ping" is answered with "pong" (a keep-alive for clients and proxies); anything else is ignored. */
  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): void {
    if (message === "ping") ws.send("pong");
  }

  /** Completes the closing handshake the client started. */
  override webSocketClose(ws: WebSocket, code: number, reason: string): void {
    try {
      // 1005 and 1006 report the absence of a code; they may not be sent.
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // Already closed (the runtime may have answered the close itself).
    }
  }

  private liveMessage(): string {
    const message: LiveMessage = { type: "stats", ...this.read() };
    return JSON.stringify(message);
  }

  private broadcast(): void {
    const sockets = this.ctx.getWebSockets();
    if (sockets.length === 0) return;
    const message = this.liveMessage();
    for (const ws of sockets) {
      try {
        ws.send(message);
      } catch {
        // A socket that is closing; its webSocketClose handles it.
      }
    }
  }
}
