// The pacing benchmark's scenarios, read from the environment by its vitest config (Node side) and
// handed to the test inside workerd through vitest's provide/inject.

export interface PacingScenario {
  name: string;
  /** Queued message rows, one per distinct recipient. */
  recipients: number;
  /** The number's throughput (messages/s), as the project's WhatsApp account sets it. */
  rate: number;
  /** Consumer invocations running at once. */
  concurrency: number;
  /** Wall time after which the broker hands out no more batches. */
  seconds: number;
  /** How many of the first sends the stand-in answers with 130429 (throughput reached). */
  throughputErrors: number;
}

declare module "vitest" {
  export interface ProvidedContext {
    pacingScenarios: PacingScenario[];
  }
}

// The reproduction answered 130429 to the first four sends.
const THROUGHPUT_ERRORS = 4;

/** A whole number from the environment, or a comma-separated list of them where `list` allows. */
function wholeNumbers(vars: Record<string, string | undefined>, name: string, fallback: string, list = false) {
  const raw = vars[name] ?? fallback;
  const values = raw.split(",").map((part) => Number(part.trim()));
  if ((!list && values.length > 1) || values.some((v) => !Number.isInteger(v) || v < 0)) {
    throw new Error(`${name} must be a whole number${list ? " or a comma-separated list of them" : ""}, got "${raw}"`);
  }
  return values;
}

/**
 * A clean scenario (the stand-in accepts every send) for each BENCH_PACING_RECIPIENTS value at each
 * BENCH_PACING_CONCURRENCY value, then one at BENCH_PACING_THROTTLED concurrent invocations (0
 * leaves it out) with the first recipients value, whose first sends are refused with 130429. The
 * rate and the time cap are the same for all.
 *
 * Two backlogs by default because a backlog of N messages fills at most N / 100 batches: 3,000
 * keeps only 30 invocations busy whatever C is, while 30,000 (the reproduction) really has
 * 250 at once, and the same backlog at C = 1 is the baseline measured in the same run.
 */
export function pacingScenarios(vars: Record<string, string | undefined>): PacingScenario[] {
  const backlogs = wholeNumbers(vars, "BENCH_PACING_RECIPIENTS", "3000,30000", true);
  const [rate = 80] = wholeNumbers(vars, "BENCH_PACING_RATE", "80");
  const [seconds = 60] = wholeNumbers(vars, "BENCH_PACING_SECONDS", "60");
  const concurrencies = wholeNumbers(vars, "BENCH_PACING_CONCURRENCY", "1,250", true);
  const [throttled = 25] = wholeNumbers(vars, "BENCH_PACING_THROTTLED", "25");
  if ([...backlogs, rate, seconds, ...concurrencies].some((v) => v === 0)) {
    throw new Error("BENCH_PACING_RECIPIENTS, _RATE, _SECONDS and _CONCURRENCY must be above 0");
  }
  const scenarios: PacingScenario[] = backlogs.flatMap((recipients) =>
    concurrencies.map((concurrency) => ({
      name: `C = ${concurrency}`,
      recipients,
      rate,
      concurrency,
      seconds,
      throughputErrors: 0,
    })),
  );
  if (throttled > 0) {
    scenarios.push({
      name: `C = ${throttled}, first ${THROUGHPUT_ERRORS} sends refused with 130429`,
      recipients: backlogs[0] ?? 0,
      rate,
      concurrency: throttled,
      seconds,
      throughputErrors: THROUGHPUT_ERRORS,
    });
  }
  return scenarios;
}
