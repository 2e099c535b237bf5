// A campaign's time series, kept beside its counters in the CampaignStats object's SQLite: per run
// and per minute, how many messages became sent, delivered, read and failed. It moves in the same
// transaction as the counters, from the same deltas, so its sums always equal them.
//
// Storage stays bounded however long a campaign runs: minute rows are kept for MINUTE_RETENTION,
// then folded into one row per run and hour. A row exists only for a minute (or hour) in which
// something moved, so a quiet campaign costs nothing, and a busy one at most 2,880 minute rows per
// run plus 24 hour rows per run and day of activity (about 9,000 a year).

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
/** How long minute rows are kept before they are folded into hour rows. */
export const MINUTE_RETENTION = 48 * HOUR;

export const SERIES = ["sent", "delivered", "read", "failed"] as const;
export type SeriesName = (typeof SERIES)[number];
export type SeriesCounts = Record<SeriesName, number>;

/** One bucket of the series: its start (Unix ms) and what moved in it. */
export type SeriesPoint = SeriesCounts & { at: number };

/** One run's bucket, as the recount hands it over and as `addSeries` takes it. */
export type RunPoint = SeriesPoint & { runId: string };

/** Which series a counter feeds: every failure bucket is `failed`; queued and skipped feed none. */
const SERIES_OF: Readonly<Record<string, SeriesName>> = {
  sent: "sent",
  delivered: "delivered",
  read: "read",
  sendErrors: "failed",
  deliveryErrors: "failed",
  notOnWhatsApp: "failed",
  marketingLimited: "failed",
  marketingExperiment: "failed",
};

export const seriesOf = (counter: string): SeriesName | undefined =>
  Object.hasOwn(SERIES_OF, counter) ? SERIES_OF[counter] : undefined;

/** Minute rows before this hour boundary are folded into hours: an hour is never split. */
export const foldBefore = (now: number) => Math.floor((now - MINUTE_RETENTION) / HOUR) * HOUR;

const TABLES = ["series_minutes", "series_hours"] as const;

export function createSeriesTables(sql: SqlStorage): void {
  for (const table of TABLES) {
    sql.exec(
      `CREATE TABLE IF NOT EXISTS ${table} (run_id TEXT NOT NULL, at INTEGER NOT NULL, sent INTEGER NOT NULL, delivered INTEGER NOT NULL, read INTEGER NOT NULL, failed INTEGER NOT NULL, PRIMARY KEY (run_id, at)) WITHOUT ROWID`,
    );
  }
  // The hour boundary minute rows were last folded to: one row.
  sql.exec("CREATE TABLE IF NOT EXISTS series_folded (before INTEGER NOT NULL)");
}

/** Sums of series deltas per run and minute, built while a call's entries are read. */
export class SeriesSums {
  private readonly sums = new Map<string, RunPoint>();

  add(runId: string, time: number, counter: string, delta: number): void {
    const name = seriesOf(counter);
    if (!name) return;
    const at = time - (time % MINUTE);
    const key = `${runId}\u0000${at}`;
    let point = this.sums.get(key);
    if (!point) {
      point = { runId, at, sent: 0, delivered: 0, read: 0, failed: 0 };
      this.sums.set(key, point);
    }
    point[name] += delta;
  }

  points(): RunPoint[] {
    return [...this.sums.values()];
  }
}

/**
 * Adds each point to its run's minute row, or to its hour row when the minute is already folded
 * (a late ledger row, a recount of old messages). Returns the minute rows it moved.
 */
export function addSeries(sql: SqlStorage, points: RunPoint[], now: number): RunPoint[] {
  const before = foldBefore(now);
  const moved: RunPoint[] = [];
  for (const point of points) {
    if (SERIES.every((name) => point[name] === 0)) continue;
    const folded = point.at < before;
    sql.exec(
      `INSERT INTO ${folded ? "series_hours" : "series_minutes"} (run_id, at, sent, delivered, read, failed) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, at) DO UPDATE SET sent = sent + excluded.sent, delivered = delivered + excluded.delivered, read = read + excluded.read, failed = failed + excluded.failed`,
      point.runId,
      folded ? point.at - (point.at % HOUR) : point.at,
      point.sent,
      point.delivered,
      point.read,
      point.failed,
    );
    if (!folded) moved.push(point);
  }
  return moved;
}

/**
 * Folds the minute rows older than the retention into hour rows, at most once per hour boundary:
 * the boundary last folded to is kept, so an object woken again does not read its minutes to find
 * nothing to fold. Returns the boundary folded to.
 */
export function foldSeries(storage: DurableObjectStorage, now: number): number {
  const before = foldBefore(now);
  const [done] = storage.sql.exec<{ before: number }>("SELECT before FROM series_folded").toArray();
  if (done && done.before >= before) return done.before;
  storage.transactionSync(() => {
    storage.sql.exec(
      `INSERT INTO series_hours (run_id, at, sent, delivered, read, failed)
       SELECT run_id, at - at % ${HOUR}, sum(sent), sum(delivered), sum(read), sum(failed) FROM series_minutes WHERE at < ? GROUP BY 1, 2
       ON CONFLICT (run_id, at) DO UPDATE SET sent = sent + excluded.sent, delivered = delivered + excluded.delivered, read = read + excluded.read, failed = failed + excluded.failed`,
      before,
    );
    storage.sql.exec("DELETE FROM series_minutes WHERE at < ?", before);
    storage.sql.exec("DELETE FROM series_folded");
    storage.sql.exec("INSERT INTO series_folded (before) VALUES (?)", before);
  });
  return before;
}

/** Empties the series (a recount puts it back). */
export function clearSeries(sql: SqlStorage): void {
  for (const table of TABLES) sql.exec(`DELETE FROM ${table}`);
}

/** What a timeline read answers: the stored rows in the range, summed over the runs asked for. */
export type StoredSeries = {
  minutes: SeriesPoint[];
  /** Hour rows only: the hours whose minutes were folded. */
  hours: SeriesPoint[];
  /** Minute rows are kept from this time on (the last fold's boundary). */
  minutesSince: number;
};

/** The stored rows of one run (or of every run: null) from `from` to `to` (Unix ms, inclusive). */
export function readSeries(sql: SqlStorage, runId: string | null, from: number, to: number, now: number): StoredSeries {
  const read = (table: (typeof TABLES)[number]) =>
    sql
      .exec<SeriesPoint>(
        `SELECT at, sum(sent) AS sent, sum(delivered) AS delivered, sum(read) AS read, sum(failed) AS failed FROM ${table}
         WHERE (?1 IS NULL OR run_id = ?1) AND at >= ?2 AND at <= ?3 GROUP BY at ORDER BY at`,
        runId,
        from,
        to,
      )
      .toArray();
  return { minutes: read("series_minutes"), hours: read("series_hours"), minutesSince: foldBefore(now) };
}

/** The minute rows of `minutes` per run, and summed over the runs, for a live update. */
export function minuteRows(sql: SqlStorage, minutes: number[]): RunPoint[] {
  if (minutes.length === 0) return [];
  return sql
    .exec<RunPoint>(
      `SELECT run_id AS runId, at, sent, delivered, read, failed FROM series_minutes
       WHERE at IN (SELECT value FROM json_each(?)) ORDER BY at, run_id`,
      JSON.stringify(minutes),
    )
    .toArray();
}

/** The start of the latest minute with a row (null: none). */
export function latestMinute(sql: SqlStorage): number | null {
  const [row] = sql.exec<{ at: number | null }>("SELECT max(at) AS at FROM series_minutes").toArray();
  return row?.at ?? null;
}
