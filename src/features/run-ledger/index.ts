// A broadcast run's messages in the run's own Durable Object (docs/scaling.md, "Past one database").
import { runLedgerName } from "../../platform/ids";

export { RunLedger } from "./object";

/** The ledger object of the run whose ref is `runRef`. */
export const runLedger = (env: Pick<Env, "RUN_LEDGER">, runRef: string) =>
  env.RUN_LEDGER.getByName(runLedgerName(runRef));
