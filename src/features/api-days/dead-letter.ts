import type { Db } from "../../platform/db/client";
import type { StatusChange } from "../../platform/db/schema";
import { parseLedgerMessageId } from "../../platform/ids";
import type { SendsBody } from "../../queues/contracts";
import { runLedger } from "../run-ledger";
import { recordApiDays } from "./record";

/** Whether a dead send names an API day's message (not D1's, nor a run's, which come as claims). */
export const isDaySend = (job: SendsBody) =>
  parseLedgerMessageId(job.messageId) !== null && (job.kind === "api-send" || job.runId === undefined);

/**
 * Records a send that exhausted its queue retries as failed in its day's object, as the D1 path
 * records such a message in D1: an API send never recorded is recorded first (with its contact),
 * then failed unless it already reached a final state. Nothing is sent.
 */
export async function failDeadDaySend(
  env: Pick<Env, "RUN_LEDGER">,
  db: Db,
  job: SendsBody,
  error: NonNullable<StatusChange["error"]>,
) {
  const named = parseLedgerMessageId(job.messageId);
  if (!named) return;
  if (job.kind === "api-send") await recordApiDays(env, db, [job]);
  await runLedger(env, named.runRef).statuses(job.projectId, [
    { slot: named.slot, change: { status: "failed", at: Date.now(), error } },
  ]);
}
