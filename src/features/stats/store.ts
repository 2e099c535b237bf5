import { and, eq } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { campaigns } from "../../platform/db/schema";

/**
 * Whether the project has a campaign with this id, of any kind (API or broadcast): the check that
 * makes another project's campaign answer exactly like one that does not exist. One indexed read.
 */
export async function campaignInProject(db: Db, projectId: string, campaignId: string): Promise<boolean> {
  const row = await db
    .select({ id: campaigns.id })
    .from(campaigns)
    .where(and(eq(campaigns.id, campaignId), eq(campaigns.projectId, projectId)))
    .get();
  return row !== undefined;
}
