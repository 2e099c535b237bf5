import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";

export interface Sample {
  at: string;
  bytes: number;
}

const HEIGHT = 220;
const GB = 1000 ** 3;

function aligned(samples: Sample[]): uPlot.AlignedData {
  return [samples.map((s) => Date.parse(s.at) / 1000), samples.map((s) => s.bytes / GB)];
}

/**
 * The database's hourly readings as a line in GB, drawn by uPlot. The ceiling is not drawn: at a
 * tenth of it the line would lie flat on the axis; the cards above say how far it is.
 */
export function SizeChart({ samples }: { samples: Sample[] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || samples.length === 0) return;
    const chart = new uPlot(
      {
        width: Math.max(el.clientWidth, 280),
        height: HEIGHT,
        series: [
          {},
          { label: "Size (GB)", stroke: "#1a73e8", width: 2, value: (_u, v) => (v == null ? "—" : v.toFixed(3)) },
        ],
        axes: [{}, { size: 60, values: (_u, ticks) => ticks.map((t) => t.toFixed(2)) }],
        scales: {
          x: { time: true, range: (_u, min, max) => (min === max ? [min - 3600, max + 3600] : [min, max]) },
        },
      },
      aligned(samples),
      el,
    );
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(el.clientWidth, 280), height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [samples]);
  const first = samples[0];
  const last = samples.at(-1);
  const summary =
    first && last
      ? `${samples.length} hourly reading${samples.length === 1 ? "" : "s"}, from ${(first.bytes / GB).toFixed(3)} GB to ${(last.bytes / GB).toFixed(3)} GB`
      : "No readings yet: the every-minute cron keeps one an hour.";
  return (
    <figure class="timeline">
      {samples.length > 0 ? (
        <div
          ref={box}
          class="chart"
          role="img"
          aria-label={`The database's size: ${summary}`}
          data-samples={samples.length}
        />
      ) : null}
      <figcaption class="muted">{summary}.</figcaption>
    </figure>
  );
}
