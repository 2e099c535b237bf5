import { useCallback, useEffect, useState } from "preact/hooks";
import { get } from "../../api";
import type { TimelinePoint } from "./types";

interface Timeline {
  resolution: "minute" | "hour";
  points: TimelinePoint[];
}

const MINUTE_MS = 60_000;

/** Zero-filled minutes from the first point to the last, as the API gives them. */
function contiguous(points: TimelinePoint[]): TimelinePoint[] {
  const first = points[0];
  const last = points.at(-1);
  if (!first || !last) return points;
  const byAt = new Map(points.map((p) => [Date.parse(p.at), p]));
  const out: TimelinePoint[] = [];
  for (let t = Date.parse(first.at); t <= Date.parse(last.at); t += MINUTE_MS) {
    out.push(byAt.get(t) ?? { at: new Date(t).toISOString(), sent: 0, delivered: 0, read: 0, failed: 0 });
  }
  return out;
}

/**
 * The campaign's series: read once, then moved by the live socket's minutes. Each live point is
 * the minute's whole value, so it replaces the point of the same minute. At hours, a live minute
 * cannot be placed in its hour without counting it twice: the hours are read again instead.
 */
export function useTimeline(campaignId: string) {
  const [timeline, setTimeline] = useState<Timeline>();
  const [error, setError] = useState<Error>();
  const load = useCallback(() => {
    get<Timeline>(`/v1/campaigns/${encodeURIComponent(campaignId)}/timeline`).then((t) => {
      setTimeline(t);
      setError(undefined);
    }, setError);
  }, [campaignId]);
  useEffect(load, [load]);
  const addLive = useCallback(
    (minutes: TimelinePoint[]) => {
      if (minutes.length === 0) return;
      setTimeline((t) => {
        if (t && t.resolution === "hour" && t.points.length > 0) {
          load();
          return t;
        }
        const byAt = new Map((t?.points ?? []).map((p) => [p.at, p]));
        for (const p of minutes) byAt.set(new Date(p.at).toISOString(), { ...p, at: new Date(p.at).toISOString() });
        const points = [...byAt.values()].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
        return { resolution: "minute", points: contiguous(points) };
      });
    },
    [load],
  );
  return { timeline, error, addLive };
}
