import { ChatBase } from "./base.js";
import { segment } from "./http.js";
import type {
  CampaignAnalyticsResponse,
  CampaignBillingResponse,
  LinkClicksOf,
  LinkClicksResponseOf,
  MessagingLimit,
  RunAnalyticsResponse,
  RunBillingResponse,
  Timeline,
  TimelineRequest,
} from "./types/index.js";

/** What runs and campaigns came to: cost, engagement, and the messaging limit they must fit in. */
export class ChatResults extends ChatBase {
  /** What Meta charges for the run: delivered messages by category and market, estimated cost. */
  retrieveRunBilling(runId: string): Promise<RunBillingResponse> {
    return this.call({ method: "GET", path: `/v1/runs/${segment(runId)}/billing` });
  }

  /** What Meta charges for the campaign: the sum of its runs. */
  retrieveCampaignBilling(campaignId: string): Promise<CampaignBillingResponse> {
    return this.call({ method: "GET", path: `/v1/campaigns/${segment(campaignId)}/billing` });
  }

  /** Meta's messaging limit for the number's portfolio, and how much of it the last 24 hours used. */
  retrieveMessagingLimit(): Promise<MessagingLimit> {
    return this.call({ method: "GET", path: "/v1/project/messaging-limit" });
  }

  /** How the run's recipients engaged: the funnel to replied, the reply rate, clicks per quick-reply button. */
  retrieveRunAnalytics(runId: string): Promise<RunAnalyticsResponse> {
    return this.call({ method: "GET", path: `/v1/runs/${segment(runId)}/analytics` });
  }

  /** The same for the whole campaign: all its runs, or an API campaign's messages. */
  retrieveCampaignAnalytics(campaignId: string): Promise<CampaignAnalyticsResponse> {
    return this.call({ method: "GET", path: `/v1/campaigns/${segment(campaignId)}/analytics` });
  }

  /** Clicks per url button of a campaign made with `trackClicks` (`{ campaignId }`), or of one run (`{ runId }`). */
  retrieveLinkClicks<T extends LinkClicksOf>(of: T): Promise<LinkClicksResponseOf<T>> {
    const path = "runId" in of ? `/v1/runs/${segment(of.runId)}` : `/v1/campaigns/${segment(of.campaignId)}`;
    return this.call({ method: "GET", path: `${path}/link-clicks` });
  }

  /** Sent, delivered, read and failed per minute or hour, for a chart of the run. */
  retrieveRunTimeline(runId: string, request: TimelineRequest = {}): Promise<Timeline> {
    return this.call({ method: "GET", path: `/v1/runs/${segment(runId)}/timeline`, query: { ...request } });
  }

  /** The same for the whole campaign. */
  retrieveCampaignTimeline(campaignId: string, request: TimelineRequest = {}): Promise<Timeline> {
    return this.call({ method: "GET", path: `/v1/campaigns/${segment(campaignId)}/timeline`, query: { ...request } });
  }
}
