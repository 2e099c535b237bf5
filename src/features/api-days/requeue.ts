import { sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { ledgerMessageId } from "../../platform/ids";
import { sendStoredMessages } from "../../queues/producers";
import { runLedger } from "../run-ledger";

/** Slots one object is asked for per page of a requeue. */
const REQUEUE_PAGE = 500;

/**
 * Puts an API campaign's messages given back to its days' objects (held by a pause or a template
 * hold, parked and lost) back on the sends queue, those waiting since before `before`: a job names
 * its message, whose object hands it out once however many jobs name it. The days still open or
 * sending are asked, a page at a time.
 */
export async function requeueApiDays(
  env: Pick<Env, "SENDS" | "RUN_LEDGER">,
  db: Db,
  projectId: string,
  campaignId: string,
  before = Number.POSITIVE_INFINITY,
): Promise<number> {
  const days = await db.all<{ ref: string }>(sql`
    SELECT ref FROM runs WHERE campaign_id = ${campaignId} AND project_id = ${projectId}
      AND api_day IS NOT NULL AND status IN ('fanning_out', 'sending', 'paused')`);
  let requeued = 0;
  for (const { ref } of days) {
    for (let after = 0; ; ) {
      const slots = await runLedger(env, ref).returnedBefore(before, after, REQUEUE_PAGE);
      await sendStoredMessages(
        env,
        slots.map((slot) => ({ id: ledgerMessageId(ref, slot), projectId, campaignId, runId: null })),
      );
      requeued += slots.length;
      if (slots.length < REQUEUE_PAGE) break;
      after = slots.at(-1) ?? after;
    }
  }
  return requeued;
}
