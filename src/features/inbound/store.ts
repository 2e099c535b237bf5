import { and, asc, eq, gt, type SQL } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { campaigns, responses } from "../../platform/db/schema";

export type ResponseRow = Pick<
  typeof responses.$inferSelect,
  "id" | "number" | "kind" | "payload" | "text" | "messageId" | "runId" | "receivedAt"
>;

/**
 * A page of a campaign's responses, oldest first (`limit + 1` rows, for `toPage`), or null when
 * the project has no such campaign. The campaign check and the page are one D1 round trip.
 */
export async function listCampaignResponses(
  db: Db,
  projectId: string,
  campaignId: string,
  afterId: number | undefined,
  limit: number,
): Promise<ResponseRow[] | null> {
  const conditions: SQL[] = [eq(responses.projectId, projectId), eq(responses.campaignId, campaignId)];
  if (afterId !== undefined) conditions.push(gt(responses.id, afterId));
  const [campaign, rows] = await db.batch([
    db
      .select({ id: campaigns.id })
      .from(campaigns)
      .where(and(eq(campaigns.projectId, projectId), eq(campaigns.id, campaignId))),
    db
      .select({
        id: responses.id,
        number: responses.number,
        kind: responses.kind,
        payload: responses.payload,
        text: responses.text,
        messageId: responses.messageId,
        runId: responses.runId,
        receivedAt: responses.receivedAt,
      })
      .from(responses)
      .where(and(...conditions))
      .orderBy(asc(responses.id))
      .limit(limit + 1),
  ]);
  return campaign.length > 0 ? rows : null;
}
