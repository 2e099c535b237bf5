import { ApiFailure, get } from "../../api";
import type { AnyCampaign, ApiCampaign, Campaign } from "./types";

/** Where a campaign's page is: an API campaign's address says so, so that its page asks the right route first. */
export const campaignHref = (id: string, kind: "api" | "broadcast") =>
  `/app/campaigns/${id}${kind === "api" ? "?kind=api" : ""}`;

/**
 * A campaign by id and the kind its address names. Should the kind be wrong (a hand-typed address),
 * the other kind's route is asked after the 404; a sender may not read broadcasts (403) and is
 * asked for an API campaign too.
 */
export async function loadCampaign(id: string, kind: "api" | "broadcast"): Promise<AnyCampaign> {
  const path = encodeURIComponent(id);
  const broadcast = async (): Promise<AnyCampaign> => {
    const found = await get<Campaign>(`/v1/broadcast-campaigns/${path}`);
    return { kind: "broadcast", id, name: found.title, broadcast: found };
  };
  const api = async (): Promise<AnyCampaign> => {
    const found = await get<ApiCampaign>(`/v1/api-campaigns/${path}`);
    return { kind: "api", id, name: found.name, api: found };
  };
  const [first, second] = kind === "api" ? [api, broadcast] : [broadcast, api];
  try {
    return await first();
  } catch (e) {
    if (!(e instanceof ApiFailure && (e.status === 404 || e.status === 403))) throw e;
    return second();
  }
}
