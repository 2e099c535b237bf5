// The ledger's outbox: counters and status callbacks follow the history rows D1 committed
// (./ledger.ts), through one reader object (./object.ts).
export { Outbox } from "./object";

/** The one Outbox object. */
export const outbox = (env: Pick<Env, "OUTBOX">) => env.OUTBOX.getByName("ledger");

/** Asks the outbox to hand over what was just committed; resolves once it is counted. */
export async function drainOutbox(env: Pick<Env, "OUTBOX">): Promise<number> {
  return outbox(env).drain();
}
