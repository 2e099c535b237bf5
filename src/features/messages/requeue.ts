import { and, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { messages, refOfCampaign } from "../../platform/db/schema";
import { sendStoredMessages } from "../../queues/producers";

// A paused or held campaign's messages stay queued (the sends consumer acks them without sending);
// resuming it, by a person or when WhatsApp lifts a template's hold, puts them back on the sends
// queue a page at a time. The send claim makes a duplicate harmless.
const REQUEUE_PAGE = 500;

/** Re-enqueues one page of a campaign's queued messages after `afterId`; `nextAfter` is null on the last. */
export async function requeueCampaign(
  env: Pick<Env, "SENDS">,
  db: Db,
  projectId: string,
  campaignId: string,
  afterId = "",
) {
  const rows = await db
    .select({ id: messages.id })
    .from(messages)
    .where(
      and(
        eq(messages.projectId, projectId),
        sql`${messages.campaignId} = ${refOfCampaign(campaignId)}`,
        // An API campaign's (a run's are requeued by its governor): messages_campaign.
        isNull(messages.runId),
        eq(messages.status, "queued"),
        sql`${messages.id} > ${afterId}`,
      ),
    )
    .orderBy(messages.id)
    .limit(REQUEUE_PAGE)
    .all();
  await sendStoredMessages(
    env,
    rows.map((m) => ({ id: m.id, projectId, campaignId, runId: null })),
  );
  return { requeued: rows.length, nextAfter: rows.length === REQUEUE_PAGE ? (rows.at(-1)?.id ?? null) : null };
}

/**
 * Re-enqueues a campaign's queued messages page by page, at most `maxPages` of them (a request
 * keeps its work bounded; the sweep re-enqueues what is left).
 */
export async function requeueCampaignPages(
  env: Pick<Env, "SENDS">,
  db: Db,
  projectId: string,
  campaignId: string,
  maxPages = Number.POSITIVE_INFINITY,
) {
  let after: string | null = "";
  for (let page = 0; page < maxPages && after !== null; page++) {
    after = (await requeueCampaign(env, db, projectId, campaignId, after)).nextAfter;
  }
}
