// Campaigns: the message and its WhatsApp template, their buttons, and per-recipient details.
import type { IsoDate, TimeToRun } from "./common.js";
import type { Results, Run } from "./runs.js";

export type ButtonType = "input" | "journey" | "phone" | "url" | "copy_code";

/**
 * A button of `createCampaign`. Label: 1–25 characters. At most 10 buttons, 2 url and 1 phone;
 * phone and url buttons combine only with each other.
 */
export type Button =
  /** A quick reply; each press is saved to the campaign's input group (`input` defaults to `text`). */
  | { text: string; type: "input"; input?: string }
  /** A quick reply that sends the journey's messages to whoever presses it. */
  | { text: string; type: "journey"; journeyId: string }
  | { text: string; type: "phone"; phoneNumber: string }
  /** The URL may end in one `{group.field}`: a per-recipient suffix. */
  | { text: string; type: "url"; url: string }
  /** Copies the campaign's coupon (at most 15 characters), the same for every recipient. */
  | { text: string; type: "copy_code"; code: string };

/** A button as a campaign reports it. */
export interface CampaignButton {
  text: string;
  type: ButtonType;
  input?: string;
  journeyId?: string;
  phoneNumber?: string;
  url?: string;
  code?: string;
}

export type TemplateCategory = "MARKETING" | "UTILITY" | "AUTHENTICATION";
export type TemplateStatus = "PENDING" | "APPROVED" | "REJECTED" | "PAUSED" | "DISABLED";

export interface CampaignInput {
  title: string;
  /** Text with `{group.field}` placeholders, filled per recipient from variable groups. */
  message: string;
  /** An https URL of a JPEG or PNG (at most 5 MB): the template's image header. */
  imgUrl?: string | null;
  /** Instead of `imgUrl`: an image of the project's media library (`med_…`, from `POST /v1/media`). */
  imgMedia?: string | null;
  buttons?: Button[];
  /** `MARKETING` (default) or `UTILITY`. */
  templateType?: string;
  /**
   * How long WhatsApp keeps trying to deliver each message, in seconds: MARKETING 43200–2592000
   * (honoured through the Marketing Messages API), UTILITY 30–43200 or -1 (30 days).
   */
  messageSendTtlSeconds?: number;
  /**
   * Count the clicks on the url buttons: each leads through the service's `/l/{token}`, which
   * counts the click and redirects to the button's url (`linkClicks`). Needs a url button.
   */
  trackClicks?: boolean;
}

export interface CreateCampaignOptions {
  /** Start a run as soon as the template is approved (default false: create the template only). */
  runImmediately?: boolean;
  /** Audience ids or unique names, or `["all"]`. */
  audiences?: string[];
  /** `en_US` by default; `enUS` is accepted. */
  languageCode?: string;
  timeToRun?: TimeToRun;
  /** `MARKETING` by default. */
  whatsAppTemplateType?: string;
}

export interface Campaign {
  campaignId: string;
  title: string;
  message: string;
  imgUrl: string | null;
  /** The media library image it sends, if any. */
  imgMedia: string | null;
  /** `group.field` references, in template parameter order. */
  variables: string[];
  buttons: CampaignButton[];
  /** Whether its url buttons count clicks before leading to their urls. */
  trackClicks: boolean;
  locale: string;
  templateType: TemplateCategory;
  templateId: string | null;
  /** Null once the template is deleted. */
  templateName: string | null;
  /** The template's review status at WhatsApp; null once the template is deleted. */
  whatsAppTemplatesStatus: TemplateStatus | null;
  /** True while a run can still send (scheduled, waiting_template, fanning_out, sending, paused). */
  active: boolean;
  /** Oldest first. */
  runs: Run[];
  /** Summed over all runs. */
  results: Results;
  totalSent: number;
  totalDelivered: number;
  totalRead: number;
  createdAt: IsoDate;
}

export interface CreateCampaignResponse {
  status: "success";
  campaign: Campaign;
  /** The run `runImmediately` started, else null. */
  run: Run | null;
}

export interface RetrieveCampaignsRequest {
  /** true: only active campaigns; false: only inactive ones. */
  active?: boolean;
  /** Page size, 1–100 (default 50). */
  limit?: number;
  cursor?: string;
}

export interface CampaignsResponse {
  status: "success";
  campaigns: Campaign[];
  nextCursor: string | null;
}

export interface CampaignDetailsRequest {
  campaignId: string;
  /** `csv` resolves to the CSV text instead of an array. */
  format?: "json" | "csv";
  /** One run's recipients; all runs' by default. */
  runId?: string;
}

export type RecipientStatus = "queued" | "sending" | "sent" | "delivered" | "read" | "failed" | "skipped";

/** One row of `retrieveCampaignDetails`; the CSV has the same columns, in this order. */
export interface Recipient {
  number: string;
  status: RecipientStatus;
  /** Same as `status`, under the reference document's name. */
  action: string;
  runId: string;
  messageId: string;
  sentAt: IsoDate | null;
  deliveredAt: IsoDate | null;
  readAt: IsoDate | null;
  failedAt: IsoDate | null;
  /** WhatsApp's error code, when the message failed. */
  errorCode: number | null;
  errorReason: string | null;
  /** `opted_out`, `missing_variable:<group>.<field>` or `cancelled`. */
  skipReason: string | null;
}
