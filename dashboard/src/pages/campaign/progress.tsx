import { percent } from "../../components/ui";
import type { RunStats } from "./types";

/**
 * Messages that left the queue: accepted by WhatsApp, or refused by it. Meta's own failure kinds
 * (not on WhatsApp, its marketing holds) come after the send, so they are counted in `sent`.
 */
export function handled(s: RunStats): number {
  return Math.min(s.queued, s.sent + s.sendErrors);
}

export const failedOf = (s: RunStats) =>
  s.sendErrors + s.deliveryErrors + s.notOnWhatsApp + s.marketingLimited + s.marketingExperiment;

export function Counters({ stats }: { stats: RunStats }) {
  const cards: [string, number][] = [
    ["Queued", stats.queued],
    ["Sent", stats.sent],
    ["Delivered", stats.delivered],
    ["Read", stats.read],
    ["Failed", failedOf(stats)],
    ["Skipped", stats.skipped],
  ];
  return (
    <div class="cards" aria-live="polite">
      {cards.map(([label, value]) => (
        <div class="card" key={label} data-counter={label.toLowerCase()}>
          <div class="value">{value.toLocaleString()}</div>
          <div class="label">{label}</div>
        </div>
      ))}
    </div>
  );
}

export function ProgressBar({ stats }: { stats: RunStats }) {
  const done = handled(stats);
  return (
    <div class="progress">
      <label for="send-progress">
        Sending progress: {done.toLocaleString()} of {stats.queued.toLocaleString()} handed to WhatsApp or failed (
        {percent(done, stats.queued)})
      </label>
      <progress id="send-progress" max={Math.max(stats.queued, 1)} value={done} />
    </div>
  );
}

export function Funnel({ stats, replied }: { stats: RunStats; replied: number | undefined }) {
  const steps: [string, number | undefined][] = [
    ["Queued", stats.queued],
    ["Sent", stats.sent],
    ["Delivered", stats.delivered],
    ["Read", stats.read],
    ["Replied", replied],
  ];
  return (
    <ol class="funnel" aria-label="Funnel">
      {steps.map(([label, value]) => (
        <li class="bar" key={label}>
          <span>{label}</span>
          <div class="track" aria-hidden="true">
            <div class="fill" style={{ width: `${stats.queued > 0 ? ((value ?? 0) / stats.queued) * 100 : 0}%` }} />
          </div>
          <span class="num">
            {value === undefined ? "—" : value.toLocaleString()} ·{" "}
            {value === undefined ? "—" : percent(value, stats.queued)}
          </span>
        </li>
      ))}
    </ol>
  );
}
