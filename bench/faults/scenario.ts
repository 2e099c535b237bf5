// The faults benchmark's conditions, read from the environment by its vitest config (Node side)
// and handed to the test inside workerd through vitest's provide/inject.

export interface FaultsScenario {
  /** Queued message rows of one broadcast run, one per distinct recipient. */
  sends: number;
  /** The number's throughput (messages/s). */
  rate: number;
  /** Consumer invocations allowed at once. */
  concurrency: number;
  /** The share of each fault kind injected (0.05: about 5% of the calls, statements or deliveries). */
  share: number;
  /** Recipients who send STOP while the run sends, as a share of the run. */
  stopShare: number;
}

declare module "vitest" {
  export interface ProvidedContext {
    faultsScenario: FaultsScenario;
  }
}

function positive(vars: Record<string, string | undefined>, name: string, fallback: number, max = Infinity) {
  const raw = vars[name];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > max) {
    throw new Error(`${name} must be a number above 0${max < Infinity ? ` and at most ${max}` : ""}, got "${raw}"`);
  }
  return value;
}

export function faultsScenario(vars: Record<string, string | undefined>): FaultsScenario {
  return {
    sends: Math.round(positive(vars, "BENCH_FAULTS_SENDS", 20_000)),
    rate: Math.round(positive(vars, "BENCH_FAULTS_RATE", 1_000, 1_000)),
    concurrency: Math.round(positive(vars, "BENCH_FAULTS_CONCURRENCY", 250)),
    share: positive(vars, "BENCH_FAULTS_SHARE", 0.05, 0.5),
    stopShare: 0.01,
  };
}
