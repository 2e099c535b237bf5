import { DurableObject } from "cloudflare:workers";

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

const zero = (): Counts => Object.fromEntries(COUNTERS.map((k) => [k, 0])) as Counts;

/**
 * One object per campaign. Its own SQLite keeps the counters next to the code that changes them,
 * so a result read is one small query whatever the number of recipients.
 */
export class CampaignStats extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS counters (run_id TEXT NOT NULL, name TEXT NOT NULL, value INTEGER NOT NULL, PRIMARY KEY (run_id, name))",
    );
  }

  /** Adds `deltas` to a run's counters. Callers pass only real state transitions. */
  add(runId: string, deltas: Partial<Counts>): void {
    for (const [name, delta] of Object.entries(deltas)) {
      if (!COUNTERS.includes(name as Counter) || !Number.isInteger(delta) || delta === 0) continue;
      this.ctx.storage.sql.exec(
        "INSERT INTO counters (run_id, name, value) VALUES (?, ?, ?) ON CONFLICT (run_id, name) DO UPDATE SET value = value + excluded.value",
        runId,
        name,
        delta,
      );
    }
  }

  /** Counters per run and summed over all runs. */
  read(): { total: Counts; runs: Record<string, Counts> } {
    const runs: Record<string, Counts> = {};
    const total = zero();
    for (const row of this.ctx.storage.sql.exec<{ run_id: string; name: Counter; value: number }>(
      "SELECT run_id, name, value FROM counters",
    )) {
      const run = runs[row.run_id] ?? zero();
      run[row.name] = row.value;
      runs[row.run_id] = run;
      total[row.name] += row.value;
    }
    return { total, runs };
  }
}
