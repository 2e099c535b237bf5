import { cached, remember } from "../../platform/campaign-cache";
import type { Db } from "../../platform/db/client";
import { type ApiCampaignWithTemplate, getApiCampaignByName } from "./store";

/** The campaign and its template, from the isolate's cache when fresh (see src/platform/campaign-cache.ts). */
export async function loadApiCampaign(
  db: Db,
  projectId: string,
  name: string,
): Promise<ApiCampaignWithTemplate | null> {
  const hit = cached<ApiCampaignWithTemplate | null>(projectId, name);
  if (hit !== undefined) return hit;
  return remember(projectId, name, await getApiCampaignByName(db, projectId, name));
}
