import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { type RunLedger, runLedger } from "../../src/features/run-ledger";
import type { RecordedRecipient } from "../../src/features/run-ledger/record";
import type { Cost } from "../../src/features/run-ledger/store";
import type { ProviderError } from "../../src/whatsapp/provider";

let refs = 0;

/** A fresh run ledger, with the run it names (its ref unique to the test run). */
export function newLedger() {
  refs++;
  const runRef = `${9_000_000 + Math.floor(Math.random() * 1_000_000)}${refs}`;
  const meta = { projectId: "prj_ledgertest", campaignId: `cmp_ledger${runRef}`, runId: `run_ledger${runRef}`, runRef };
  return { meta, ledger: runLedger(env, runRef) };
}

/** Recipients for slots `from`..`to`, queued unless `skip` names a reason. */
export const recipients = (from: number, to: number, skip: string | null = null): RecordedRecipient[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({
    slot: from + i,
    number: `+1555${String(from + i).padStart(7, "0")}`,
    payload: skip ? null : JSON.stringify({ to: `+1555${from + i}` }),
    base: null,
    skipReason: skip,
  }));

export const error = (cls: ProviderError["class"], code: number | null = 131000): ProviderError => ({
  class: cls,
  code,
  title: `${cls} error`,
  message: `a ${cls} error`,
  httpStatus: 400,
});

/** What the object's SQLite spent on `work` (one call), as it bills it. */
export async function costOf<T>(stub: DurableObjectStub<RunLedger>, work: () => Promise<T>) {
  const reset = () =>
    runInDurableObject(stub, (instance: RunLedger) => {
      const store = (instance as unknown as { store: { cost: Cost } }).store;
      const cost = store.cost;
      store.cost = { statements: 0, rowsRead: 0, rowsWritten: 0 };
      return cost;
    });
  await reset();
  const result = await work();
  return { result, cost: await reset() };
}
