// A broadcast run's messages in the run's own Durable Object (docs/scaling.md, "Past one database").
import { runLedgerName } from "../../platform/ids";

export { RunLedger } from "./object";

/** The ledger object of the run whose ref is `runRef`. */
export const runLedger = (env: Pick<Env, "RUN_LEDGER">, runRef: string) =>
  env.RUN_LEDGER.getByName(runLedgerName(runRef));

/**
 * Calls at once when a read asks many runs' objects (the overview, the messaging limit, a
 * segment's window). Each call is a subrequest of the invocation (Workers Paid allows 10,000), and
 * a read over hundreds of runs should not hold hundreds open at once.
 */
export const LEDGER_WAVE = 50;

/** `ask` of each item, `LEDGER_WAVE` at a time, answers in the items' order. */
export async function askEach<T, R>(items: readonly T[], ask: (item: T) => Promise<R>): Promise<R[]> {
  const answers: R[] = [];
  for (let i = 0; i < items.length; i += LEDGER_WAVE) {
    answers.push(...(await Promise.all(items.slice(i, i + LEDGER_WAVE).map(ask))));
  }
  return answers;
}
