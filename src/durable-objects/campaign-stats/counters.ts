// A campaign's counters, per run and in total, kept in its CampaignStats object's SQLite: one row
// per (run, counter) actually moved, so a result read is one small query whatever the number of
// recipients.
import { addSeries, clearSeries, type RunPoint, SERIES, SeriesSums } from "./series";

/** Counters a campaign keeps, per run and in total. */
export const COUNTERS = [
  "queued",
  "sent",
  "delivered",
  "read",
  "sendErrors",
  "deliveryErrors",
  "notOnWhatsApp",
  "marketingLimited",
  "marketingExperiment",
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

/**
 * One run's deltas, for `addMany`. An entry drained from the ledger's outbox carries the id of its
 * history row: it is applied once, however often it is delivered (see `addCounts`).
 */
export interface StatsEntry {
  runId: string;
  deltas: Partial<Counts>;
  eventId?: number;
  /**
   * Whose log `eventId` numbers: none for D1's ledger (the object's one watermark), else a run's
   * own ledger (`run:<ref>`, src/features/run-ledger), whose log ids count from 1 and have a
   * watermark of their own.
   */
  source?: string;
  /** When the moves happened (Unix ms): the minute they count in, in the series; none: when received. */
  at?: number;
}

export const zeroCounts = (): Counts => Object.fromEntries(COUNTERS.map((k) => [k, 0])) as Counts;

/** numerator / denominator as 0..1 with 4 decimals; 0 when the denominator is 0. */
export function rate(numerator: number, denominator: number): number {
  if (denominator <= 0) return 0;
  // Clamped: with the delta rules (src/features/stats/deltas.ts) read ≤ delivered ≤ sent always
  // holds, so the clamp only matters if a caller ever adds deltas that break those rules.
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

const isPoint = (p: RunPoint) =>
  typeof p?.runId === "string" &&
  p.runId !== "" &&
  Number.isSafeInteger(p.at) &&
  SERIES.every((name) => Number.isInteger(p[name]));

export function createCountersTable(sql: SqlStorage): void {
  sql.exec(
    "CREATE TABLE IF NOT EXISTS counters (run_id TEXT NOT NULL, name TEXT NOT NULL, value INTEGER NOT NULL, PRIMARY KEY (run_id, name))",
  );
  // The last ledger history row (message_events.id) counted here: the object's own watermark.
  sql.exec("CREATE TABLE IF NOT EXISTS watermark (id INTEGER NOT NULL)");
  sql.exec("CREATE TABLE IF NOT EXISTS source_watermarks (source TEXT PRIMARY KEY, id INTEGER NOT NULL)");
}

/** The last log row of each run ledger in `sources` this object counted. */
function readSourceWatermarks(sql: SqlStorage, sources: string[]): Map<string, number> {
  if (sources.length === 0) return new Map();
  const rows = sql
    .exec<{ source: string; id: number }>(
      "SELECT source, id FROM source_watermarks WHERE source IN (SELECT value FROM json_each(?))",
      JSON.stringify(sources),
    )
    .toArray();
  return new Map(rows.map((r) => [r.source, r.id]));
}

/** The id of the last ledger history row this object counted (0: none). */
export function readWatermark(sql: SqlStorage): number {
  const [row] = sql.exec<{ id: number }>("SELECT id FROM watermark").toArray();
  return row?.id ?? 0;
}

function saveWatermark(sql: SqlStorage, id: number) {
  sql.exec("DELETE FROM watermark");
  sql.exec("INSERT INTO watermark (id) VALUES (?)", id);
}

/**
 * Replaces every counter and the whole series with a recount from the ledger that saw history rows
 * up to `through` (one transaction): rows after it are still counted when they arrive, rows before
 * it never again.
 */
export function replaceCounts(
  storage: DurableObjectStorage,
  runs: Record<string, Partial<Counts>>,
  through: number,
  series: RunPoint[],
  now: number,
) {
  storage.transactionSync(() => {
    storage.sql.exec("DELETE FROM counters");
    clearSeries(storage.sql);
    addSeries(storage.sql, series.filter(isPoint), now);
    for (const [runId, counts] of Object.entries(runs)) {
      for (const [name, value] of Object.entries(counts)) {
        if (!isCounter(name) || !Number.isInteger(value) || value === 0) continue;
        storage.sql.exec("INSERT INTO counters (run_id, name, value) VALUES (?, ?, ?)", runId, name, value);
      }
    }
    saveWatermark(storage.sql, through);
  });
}

/**
 * Adds each entry's deltas to its run's counters and to its run's minute of the series (`at`, or
 * `now` without one), all in one storage transaction (all or none). Unknown counter names and deltas
 * that are not non-zero integers are ignored; so is an entry whose runId is not a non-empty string.
 * Returns whether any counter moved, and the minutes of the series that moved.
 */
export function addCounts(
  storage: DurableObjectStorage,
  entries: StatsEntry[],
  now: number,
): { changed: boolean; minutes: number[] } {
  let changed = false;
  let minutes: number[] = [];
  storage.transactionSync(() => {
    // Entries from the ledger at or below the watermark were counted already (a drain repeated
    // after a crash, or rows a recount saw): skipped, so each history row counts once.
    const watermark = readWatermark(storage.sql);
    let highest = watermark;
    const sources = [...new Set(entries.flatMap((e) => (typeof e.source === "string" ? [e.source] : [])))];
    const seen = readSourceWatermarks(storage.sql, sources);
    const highestOf = new Map(seen);
    // Summed per run and counter first: a drain brings one entry per history row (two or three per
    // send), and one statement per distinct counter costs the object a fraction of one per entry.
    const sums = new Map<string, { runId: string; name: Counter; delta: number }>();
    const series = new SeriesSums();
    for (const { runId, deltas, eventId, at, source } of entries) {
      if (eventId !== undefined && typeof source === "string") {
        if (!Number.isInteger(eventId) || eventId <= (seen.get(source) ?? 0)) continue;
        highestOf.set(source, Math.max(highestOf.get(source) ?? 0, eventId));
      } else if (eventId !== undefined) {
        if (!Number.isInteger(eventId) || eventId <= watermark) continue;
        highest = Math.max(highest, eventId);
      }
      if (typeof runId !== "string" || runId === "" || deltas === null || typeof deltas !== "object") continue;
      const time = Number.isSafeInteger(at) && (at as number) > 0 ? (at as number) : now;
      for (const [name, delta] of Object.entries(deltas)) {
        if (!isCounter(name) || !Number.isInteger(delta) || delta === 0) continue;
        series.add(runId, time, name, delta);
        const key = `${runId}\u0000${name}`;
        const sum = sums.get(key);
        if (sum) sum.delta += delta;
        else sums.set(key, { runId, name, delta });
      }
    }
    for (const { runId, name, delta } of sums.values()) {
      // Deltas that cancel out moved nothing (a message counted into and out of one state).
      if (delta === 0) continue;
      storage.sql.exec(
        "INSERT INTO counters (run_id, name, value) VALUES (?, ?, ?) ON CONFLICT (run_id, name) DO UPDATE SET value = value + excluded.value",
        runId,
        name,
        delta,
      );
      changed = true;
    }
    minutes = [...new Set(addSeries(storage.sql, series.points(), now).map((p) => p.at))];
    if (highest > watermark) saveWatermark(storage.sql, highest);
    for (const [source, id] of highestOf) {
      if (id === seen.get(source)) continue;
      storage.sql.exec(
        "INSERT INTO source_watermarks (source, id) VALUES (?, ?) ON CONFLICT (source) DO UPDATE SET id = excluded.id",
        source,
        id,
      );
    }
  });
  return { changed, minutes };
}

/** Counters and rates per run and summed over all runs. */
export function readCounts(sql: SqlStorage): StatsSnapshot {
  const runCounts: Record<string, Counts> = {};
  const total = zeroCounts();
  for (const row of sql.exec<{ run_id: string; name: string; value: number }>(
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
