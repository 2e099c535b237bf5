// The API-campaign send: one template message to one person, authorized by the key in the body.
/** The API-campaign send of `POST /campaign/t1/api/v2`; the client adds `apiKey`. */
export interface ApiCampaignSend {
  /** Name of a live API campaign. */
  campaignName: string;
  destination: string | number;
  userName: string;
  source?: string;
  media?: { url: string; filename?: string };
  templateParams?: (string | number)[];
  tags?: string[];
  attributes?: Record<string, string | number>;
  location?: { latitude: number | string; longitude: number | string; name?: string; address?: string };
}

export interface ApiCampaignSendOptions {
  /** Makes retries safe: within 24 hours the same key returns the first answer. */
  idempotencyKey?: string;
}

export interface ApiCampaignSendResponse {
  success: true;
  message: string;
  submitted_message_id: string;
  messageId: string;
  status: "queued" | "skipped";
  skipReason: string | null;
  destination: string;
  ignored: { tags: string[]; attributes: string[] };
}
