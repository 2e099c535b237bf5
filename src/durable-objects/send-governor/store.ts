import type { SendJob } from "../../queues/contracts";
import { freshPace, type Pace } from "./pace";

// What a number's governor keeps in its own SQLite storage, so an evicted or restarted object
// picks up where it was: the pace (timeline, slowdown), the runs it feeds and how far, the sends
// parked with it, and when each recipient may next get a template message.

/** A broadcast run whose queued messages the governor releases at the number's pace. */
export interface Source {
  runId: string;
  projectId: string;
  campaignId: string;
  /** The last message id released; the next release starts after it. */
  after: string;
  /**
   * Set once the run has fanned out and the cursor reached its end: a last pass from the start
   * picks up queued messages not touched since this time (released but lost, held while paused).
   */
  rescanBefore: number | null;
}

export type Lane = "transactional" | "broadcast";

export interface Parked {
  seq: number;
  lane: Lane;
  notBefore: number;
  body: SendJob;
}

/** Meta allows about one message every 6 seconds from one business number to one person. */
export const PAIR_WINDOW_MS = 6_000;

/**
 * How often passed pair windows are deleted. The delete walks the whole table (an index on free_at
 * would cost a write on every send), so it runs once a second rather than on every feeder tick:
 * at 1,000 sends/s, every tick, it was 40% of the feeder's time. A passed window left in the table
 * holds nothing back: its time is compared, not its presence.
 */
const PRUNE_EVERY_MS = 1_000;

export class GovernorStore {
  private prunedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS pace (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS sources (run_id TEXT PRIMARY KEY, project_id TEXT NOT NULL,
        campaign_id TEXT NOT NULL, after TEXT NOT NULL, rescan_before INTEGER, seq INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS parked (seq INTEGER PRIMARY KEY AUTOINCREMENT, lane TEXT NOT NULL,
        not_before INTEGER NOT NULL, body TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS parked_due ON parked (lane, not_before);
      CREATE TABLE IF NOT EXISTS pairs (number TEXT PRIMARY KEY, free_at INTEGER NOT NULL, message_id TEXT) WITHOUT ROWID;`);
  }

  loadPace(): Pace {
    const row = this.sql.exec<{ state: string }>("SELECT state FROM pace WHERE id = 1").toArray()[0];
    return row ? { ...freshPace(), ...(JSON.parse(row.state) as Partial<Pace>) } : freshPace();
  }

  savePace(pace: Pace) {
    this.sql.exec("INSERT OR REPLACE INTO pace (id, state) VALUES (1, ?)", JSON.stringify(pace));
  }

  /** Adds a run to feed, from its first message; a run already fed keeps its place unless restarted. */
  addSource(source: Pick<Source, "runId" | "projectId" | "campaignId">, restart: boolean) {
    this.sql.exec(
      `INSERT INTO sources (run_id, project_id, campaign_id, after, rescan_before, seq)
       VALUES (?, ?, ?, '', NULL, (SELECT coalesce(max(seq), 0) + 1 FROM sources)) ON CONFLICT (run_id) DO UPDATE SET after = CASE WHEN ? THEN '' ELSE after END,
         rescan_before = CASE WHEN ? THEN NULL ELSE rescan_before END`,
      source.runId,
      source.projectId,
      source.campaignId,
      restart ? 1 : 0,
      restart ? 1 : 0,
    );
  }

  /** The runs being fed, oldest first. */
  sources(): Source[] {
    return this.sql
      .exec<{ run_id: string; project_id: string; campaign_id: string; after: string; rescan_before: number | null }>(
        "SELECT run_id, project_id, campaign_id, after, rescan_before FROM sources ORDER BY seq",
      )
      .toArray()
      .map((r) => ({
        runId: r.run_id,
        projectId: r.project_id,
        campaignId: r.campaign_id,
        after: r.after,
        rescanBefore: r.rescan_before,
      }));
  }

  moveSource(runId: string, after: string, rescanBefore: number | null) {
    this.sql.exec("UPDATE sources SET after = ?, rescan_before = ? WHERE run_id = ?", after, rescanBefore, runId);
  }

  dropSource(runId: string) {
    this.sql.exec("DELETE FROM sources WHERE run_id = ?", runId);
  }

  park(entries: { lane: Lane; notBefore: number; body: SendJob }[]) {
    if (entries.length === 0) return;
    this.sql.exec(
      `INSERT INTO parked (lane, not_before, body)
       SELECT j.value ->> '$[0]', j.value ->> '$[1]', j.value ->> '$[2]' FROM json_each(?) j`,
      JSON.stringify(entries.map((e) => [e.lane, e.notBefore, JSON.stringify(e.body)])),
    );
  }

  /** Parked sends of a lane that are due, oldest first, taken off the list. */
  takeParked(lane: Lane, now: number, limit: number): Parked[] {
    if (limit <= 0) return [];
    const rows = this.sql
      .exec<{ seq: number; not_before: number; body: string }>(
        "SELECT seq, not_before, body FROM parked WHERE lane = ? AND not_before <= ? ORDER BY seq LIMIT ?",
        lane,
        now,
        limit,
      )
      .toArray();
    if (rows.length > 0) {
      this.sql.exec(
        "DELETE FROM parked WHERE seq IN (SELECT value FROM json_each(?))",
        JSON.stringify(rows.map((r) => r.seq)),
      );
    }
    return rows.map((r) => ({ seq: r.seq, lane, notBefore: r.not_before, body: JSON.parse(r.body) as SendJob }));
  }

  /** The earliest time a parked send falls due, if any is parked. */
  nextParkedAt(): number | null {
    const row = this.sql.exec<{ at: number | null }>("SELECT min(not_before) AS at FROM parked").toArray()[0];
    return row?.at ?? null;
  }

  parkedCount(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM parked").one().n;
  }

  /**
   * When each recipient may next get a template message (absent: now), and which message holds the
   * window: a provider retry of that same message is not held back by its own earlier attempt.
   */
  pairsFreeAt(numbers: string[]): Map<string, { freeAt: number; messageId: string | null }> {
    if (numbers.length === 0) return new Map();
    const rows = this.sql
      .exec<{ number: string; free_at: number; message_id: string | null }>(
        "SELECT number, free_at, message_id FROM pairs WHERE number IN (SELECT value FROM json_each(?))",
        JSON.stringify(numbers),
      )
      .toArray();
    return new Map(rows.map((r) => [r.number, { freeAt: r.free_at, messageId: r.message_id }]));
  }

  holdPairs(entries: [number: string, freeAt: number, messageId: string][]) {
    if (entries.length === 0) return;
    this.sql.exec(
      `INSERT INTO pairs (number, free_at, message_id)
       SELECT j.value ->> '$[0]', j.value ->> '$[1]', j.value ->> '$[2]' FROM json_each(?) j WHERE true
       ON CONFLICT (number) DO UPDATE SET free_at = excluded.free_at, message_id = excluded.message_id`,
      JSON.stringify(entries),
    );
  }

  /** Forgets recipients whose window has passed; the table holds about seven seconds of sends. */
  prunePairs(now: number) {
    if (now - this.prunedAt < PRUNE_EVERY_MS) return;
    this.prunedAt = now;
    this.sql.exec("DELETE FROM pairs WHERE free_at <= ?", now);
  }
}
