import { ApiFailure, get, query } from "../../api";
import type { AnyCampaign, ApiCampaign, Campaign } from "./types";

/**
 * A campaign of either kind by id. There is no route for one broadcast campaign: its pages are read
 * (100 at a time) until it is found. The API campaign's own route is asked only then, so opening a
 * broadcast campaign never answers 404.
 */
export async function loadCampaign(id: string): Promise<AnyCampaign> {
  let cursor: string | null | undefined;
  try {
    do {
      const page = await get<{ campaigns: Campaign[]; nextCursor: string | null }>(
        `/v1/retrieve/campaigns${query({ limit: 100, cursor })}`,
      );
      const found = page.campaigns.find((c) => c.campaignId === id);
      if (found) return { kind: "broadcast", id, name: found.title, broadcast: found };
      cursor = page.nextCursor;
    } while (cursor);
  } catch (e) {
    // A sender key cannot list broadcast campaigns; it can still read an API campaign.
    if (!(e instanceof ApiFailure && e.status === 403)) throw e;
  }
  const api = await get<ApiCampaign>(`/v1/api-campaigns/${encodeURIComponent(id)}`);
  return { kind: "api", id, name: api.name, api };
}
