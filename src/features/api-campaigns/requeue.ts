import { and, eq, sql } from "drizzle-orm";
import { createDb } from "../../platform/db/client";
import { messages } from "../../platform/db/schema";
import { sendStoredMessages } from "../../queues/producers";

// A paused campaign's messages stay queued (the sends consumer acks them without sending); resuming
// puts them back on the sends queue a page at a time. The send claim makes a duplicate harmless.
const REQUEUE_PAGE = 500;

/** Re-enqueues a campaign's queued messages, e.g. when it is resumed after a pause. */
export async function requeueCampaign(env: Env, projectId: string, campaignId: string, afterId = "") {
  const db = createDb(env.DB);
  const rows = await db
    .select({ id: messages.id })
    .from(messages)
    .where(
      and(
        eq(messages.projectId, projectId),
        eq(messages.campaignId, campaignId),
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
