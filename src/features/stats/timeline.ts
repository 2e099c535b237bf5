import { HOUR, MINUTE, type SeriesPoint, type StoredSeries } from "../../durable-objects/campaign-stats/series";
import { fieldError } from "../../platform/errors";

/**
 * The most points one answer holds: a day of minutes, or 60 days of hours. Points are zero-filled
 * so a chart gets them contiguous, and this keeps an answer small whatever its span.
 */
export const MAX_POINTS = 1440;

export type Resolution = "minute" | "hour";

export interface TimelineQuery {
  resolution: Resolution | "auto";
  from?: number;
  to?: number;
}

export interface Timeline {
  resolution: Resolution;
  points: { at: string; sent: number; delivered: number; read: number; failed: number }[];
}

const SIZE: Record<Resolution, number> = { minute: MINUTE, hour: HOUR };
const floorTo = (time: number, size: number) => time - (time % size);

/** The stored rows as points of `resolution`: at hours, the minute rows summed into their hours. */
function pointsAt(stored: StoredSeries, resolution: Resolution): Map<number, SeriesPoint> {
  const points = new Map<number, SeriesPoint>();
  const rows = resolution === "minute" ? stored.minutes : [...stored.hours, ...stored.minutes];
  for (const row of rows) {
    const at = floorTo(row.at, SIZE[resolution]);
    const point = points.get(at) ?? { at, sent: 0, delivered: 0, read: 0, failed: 0 };
    point.sent += row.sent;
    point.delivered += row.delivered;
    point.read += row.read;
    point.failed += row.failed;
    points.set(at, point);
  }
  return points;
}

/**
 * A run's or a campaign's timeline from its stored series (read over its whole life, or over the
 * asked range). `live`: still sending, or something moved in the last hour.
 *
 * - `auto` is minutes while live and the asked range lies within the minutes kept and within
 *   MAX_POINTS minutes, hours otherwise.
 * - Without `from`: from the first point, at most MAX_POINTS points before `to` (and, at minutes,
 *   not before the minutes kept), `to` defaulting to now while live, else to the last point: the
 *   latest points. With `from` alone: at most MAX_POINTS points from it. An asked range longer
 *   than MAX_POINTS points, or one reaching before the minutes kept at minutes, is a 400 naming
 *   the field.
 * - Buckets from the first to the last are all present, zero-filled, oldest first.
 */
export function timeline(stored: StoredSeries, query: TimelineQuery, live: boolean, now: number): Timeline {
  const resolution: Resolution =
    query.resolution !== "auto" ? query.resolution : live && fitsMinutes(stored, query, now) ? "minute" : "hour";
  const size = SIZE[resolution];
  const points = pointsAt(stored, resolution);
  const times = [...points.keys()].sort((a, b) => a - b);
  if (resolution === "minute") {
    for (const field of ["from", "to"] as const) {
      const value = query[field];
      if (value !== undefined && value < stored.minutesSince) {
        throw fieldError(
          field,
          `minute points are kept from ${new Date(stored.minutesSince).toISOString()}: ask resolution=hour for older times`,
          "query",
        );
      }
    }
  }
  let from: number;
  let to: number;
  if (query.from !== undefined) {
    from = floorTo(query.from, size);
    const latest = Math.max(live ? now : (times.at(-1) ?? from), from);
    // Without `to`, the first MAX_POINTS points from `from`: a client pages forward.
    to = floorTo(query.to ?? Math.min(latest, from + (MAX_POINTS - 1) * size), size);
    if (from > to) throw fieldError("from", "must not be after `to`", "query");
    if ((to - from) / size + 1 > MAX_POINTS) {
      throw fieldError(
        "from",
        `the range holds more than ${MAX_POINTS} ${resolution} points: narrow it${resolution === "minute" ? ", or ask resolution=hour" : ""}`,
        "query",
      );
    }
  } else {
    const last = query.to ?? (live ? now : times.at(-1));
    if (last === undefined) return { resolution, points: [] };
    to = floorTo(last, size);
    const earliest = resolution === "minute" ? Math.max(stored.minutesSince, 0) : 0;
    from = Math.max(times[0] ?? to, to - (MAX_POINTS - 1) * size, floorTo(earliest, size));
    if (from > to) return { resolution, points: [] };
  }
  const out: Timeline["points"] = [];
  for (let at = from; at <= to; at += size) {
    const p = points.get(at);
    out.push({
      at: new Date(at).toISOString(),
      sent: p?.sent ?? 0,
      delivered: p?.delivered ?? 0,
      read: p?.read ?? 0,
      failed: p?.failed ?? 0,
    });
  }
  return { resolution, points: out };
}

/** Whether an asked range can be answered in minutes. */
function fitsMinutes(stored: StoredSeries, query: TimelineQuery, now: number): boolean {
  if (query.from === undefined) return query.to === undefined || query.to >= stored.minutesSince;
  if (query.from < stored.minutesSince) return false;
  const to = query.to ?? now;
  return (floorTo(to, MINUTE) - floorTo(query.from, MINUTE)) / MINUTE + 1 <= MAX_POINTS;
}

/** Whether something moved in the last hour. */
export function movedLately(stored: StoredSeries, now: number): boolean {
  const latest = stored.minutes.at(-1)?.at ?? stored.hours.at(-1)?.at;
  return latest !== undefined && now - latest < HOUR;
}
