import { governorFor } from "../../durable-objects/send-governor";
import { readConfig } from "../../platform/config";
import type { Db } from "../../platform/db/client";
import { accountFor } from "../../whatsapp/accounts";

/**
 * Hands a run to its number's governor, which releases the run's queued messages into the sends
 * queue at the number's pace (docs/pacing.md). Idempotent: a run already fed keeps its place,
 * unless `restart` sends it back to its first queued message (a resume).
 */
export async function feedRun(
  env: Env,
  db: Db,
  run: { id: string; projectId: string; campaignId: string },
  options: { restart?: boolean } = {},
) {
  const account = await accountFor(db, readConfig(env), run.projectId);
  await governorFor(env, account.phoneNumberId).feed({
    runId: run.id,
    projectId: run.projectId,
    campaignId: run.campaignId,
    rate: account.throughput,
    ...options,
  });
}
