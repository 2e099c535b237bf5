import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import type { TimelinePoint } from "./types";

const SERIES = [
  { key: "sent", label: "Sent", stroke: "#1a73e8" },
  { key: "delivered", label: "Delivered", stroke: "#0b6b4f" },
  { key: "read", label: "Read", stroke: "#7b3fb0" },
  { key: "failed", label: "Failed", stroke: "#b3261e" },
] as const;

const HEIGHT = 240;

const MIN_MINUTES = 10;

/** A few minutes of zeros before a short series, so its first minutes read as a line from zero. */
function padded(points: TimelinePoint[], resolution: string): TimelinePoint[] {
  const first = points[0];
  if (resolution !== "minute" || !first || points.length >= MIN_MINUTES) return points;
  const start = Date.parse(first.at);
  const zeros = Array.from({ length: MIN_MINUTES - points.length }, (_, i) => ({
    at: new Date(start - (MIN_MINUTES - points.length - i) * 60_000).toISOString(),
    sent: 0,
    delivered: 0,
    read: 0,
    failed: 0,
  }));
  return [...zeros, ...points];
}

function aligned(raw: TimelinePoint[], resolution: string): uPlot.AlignedData {
  const points = padded(raw, resolution);
  return [
    points.map((p) => Date.parse(p.at) / 1000),
    ...SERIES.map(({ key }) => points.map((p) => p[key])),
  ] as uPlot.AlignedData;
}

const sum = (points: TimelinePoint[], key: (typeof SERIES)[number]["key"]) => points.reduce((n, p) => n + p[key], 0);

/**
 * Sent, delivered, read and failed per bucket, drawn by uPlot on a canvas. New points replace the
 * chart's data in place (no redraw of the component), so the chart moves while a run sends.
 */
export function TimelineChart({ points, resolution }: { points: TimelinePoint[]; resolution: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const chart = new uPlot(
      {
        width: Math.max(el.clientWidth, 280),
        height: HEIGHT,
        series: [{}, ...SERIES.map((s) => ({ label: s.label, stroke: s.stroke, width: 2 }))],
        axes: [{}, { size: 50 }],
        scales: {
          x: {
            time: true,
            // One bucket alone would otherwise stretch the axis over years.
            range: (_u, min, max) => (min === max ? [min - 600, max + 60] : [min, max]),
          },
        },
      },
      aligned(points, resolution),
      el,
    );
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(el.clientWidth, 280), height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = undefined;
    };
  }, []);
  useEffect(() => {
    plot.current?.setData(aligned(points, resolution));
  }, [points, resolution]);
  const totals = SERIES.map((s) => `${s.label.toLowerCase()} ${sum(points, s.key)}`).join(", ");
  return (
    <figure class="timeline">
      <div
        ref={box}
        class="chart"
        role="img"
        aria-label={`Messages per ${resolution}: ${totals}`}
        data-points={points.length}
        data-sent={sum(points, "sent")}
      />
      <figcaption class="muted">
        {points.length === 0 ? "Nothing sent yet. " : ""}Per {resolution}, in your local time: {totals}.
      </figcaption>
    </figure>
  );
}
