// The pacing benchmark's scenarios, read from the environment by bench/pacing.mjs (Node reads this
// file with its types stripped: type-only syntax here).

export interface PacingScenario {
  name: string;
  /** Queued message rows of one broadcast run, one per distinct recipient. */
  recipients: number;
  /** The number's throughput (messages/s), as the project's WhatsApp account sets it. */
  rate: number;
  /** Consumer invocations allowed at once. */
  concurrency: number;
  /** Wall time after which the broker hands out no more batches. */
  seconds: number;
  /** How many of the first sends the stand-in answers with 130429 (throughput reached). */
  throughputErrors: number;
  /** Transactional sends (stored messages without a run) queued this often during the broadcast; 0: none. */
  probeEveryMs: number;
}

// The reproduction answered 130429 to the first four sends.
const THROUGHPUT_ERRORS = 4;
const PROBE_EVERY_MS = 250;

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
 * A clean scenario for each BENCH_PACING_RATE value at each BENCH_PACING_CONCURRENCY value, with
 * rate × BENCH_PACING_SECONDS recipients (the run fills the window exactly when it keeps pace),
 * transactional probes throughout; then one at the first rate whose first sends are refused with
 * 130429 (BENCH_PACING_THROTTLED=0 leaves it out).
 */
export function pacingScenarios(vars: Record<string, string | undefined>): PacingScenario[] {
  const rates = wholeNumbers(vars, "BENCH_PACING_RATE", "80,1000", true);
  const [seconds = 30] = wholeNumbers(vars, "BENCH_PACING_SECONDS", "30");
  const concurrencies = wholeNumbers(vars, "BENCH_PACING_CONCURRENCY", "250", true);
  const [throttled = 1] = wholeNumbers(vars, "BENCH_PACING_THROTTLED", "1");
  if ([...rates, seconds, ...concurrencies].some((v) => v === 0)) {
    throw new Error("BENCH_PACING_RATE, _SECONDS and _CONCURRENCY must be above 0");
  }
  const scenarios: PacingScenario[] = rates.flatMap((rate) =>
    concurrencies.map((concurrency) => ({
      name: `${rate}/s, C = ${concurrency}`,
      recipients: rate * seconds,
      rate,
      concurrency,
      // Room past the window for start-up and the last sends; the rate is measured to the drain.
      seconds: seconds * 2,
      throughputErrors: 0,
      probeEveryMs: PROBE_EVERY_MS,
    })),
  );
  const [rate = 80] = rates;
  const [concurrency = 250] = concurrencies;
  if (throttled > 0) {
    scenarios.push({
      name: `${rate}/s, C = ${concurrency}, first ${THROUGHPUT_ERRORS} sends refused with 130429`,
      recipients: rate * seconds,
      rate,
      concurrency,
      seconds: seconds * 2,
      throughputErrors: THROUGHPUT_ERRORS,
      probeEveryMs: 0,
    });
  }
  return scenarios;
}
