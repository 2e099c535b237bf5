// Link clicks: a broadcast campaign made with `trackClicks` counts the clicks on its url buttons.

/** One url button's clicks (docs/analytics.md#link-clicks). */
export interface LinkButtonClicks {
  /** The button's index in the campaign's `buttons`. */
  index: number;
  text: string;
  /** As the campaign was given it, with its `{group.field}` if it has one. */
  url: string;
  /** Every click, repeats included. */
  clicks: number;
  /** Recipients who clicked at least once. */
  people: number;
}

export interface CampaignLinkClicksResponse {
  status: "success";
  campaignId: string;
  /** False: the campaign's links are not tracked, and count nothing. */
  trackClicks: boolean;
  /** Each url button of the campaign, in order. */
  buttons: LinkButtonClicks[];
}

export interface RunLinkClicksResponse extends CampaignLinkClicksResponse {
  runId: string;
}

/** A campaign's clicks, or one run's. */
export type LinkClicksOf = { campaignId: string } | { runId: string };

export type LinkClicksResponseOf<T extends LinkClicksOf> = T extends { runId: string }
  ? RunLinkClicksResponse
  : CampaignLinkClicksResponse;
