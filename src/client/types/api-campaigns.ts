// The API-campaign send: one template message to one person, authorized by the key in the body.
/** The API-campaign send of `POST /campaign/t1/api/v2`; the client adds `apiKey`. */
export interface ApiCampaignSend {
  /** Name of a live API campaign. */
  campaignName: string;
  destination: string | number;
  userName: string;
  source?: string;
  /** `url`, or `id` of a file already uploaded to WhatsApp. */
  media?: { url?: string; id?: string; filename?: string };
  templateParams?: (string | number)[];
  tags?: string[];
  attributes?: Record<string, string | number>;
  location?: { latitude: number | string; longitude: number | string; name?: string; address?: string };
  /** Body values WhatsApp formats itself, by their index in `templateParams` (the value is the fallback). */
  paramTypes?: Record<string, { type: "currency"; code: string; amount1000: number } | { type: "date_time" }>;
  /** A payload for each quick-reply button, in button order. */
  quickReplyPayloads?: string[];
  /** The code a COPY_CODE button copies. */
  couponCode?: string;
  /** AUTHENTICATION templates: the one-time password (fills the body and the OTP button). */
  otpCode?: string;
  /** Never sent after this instant (ISO 8601 or Unix ms). */
  expiresAt?: string | number;
  /** Limited-time offers with an expiration: when the offer ends (ISO 8601 or Unix ms). */
  offerExpiresAt?: string | number;
  flow?: { token?: string; actionData?: Record<string, unknown> };
  catalog?: { thumbnailProductRetailerId?: string };
  /** MPM (multi-product) buttons. */
  products?: {
    thumbnailProductRetailerId: string;
    sections: { title: string; productRetailerIds: string[] }[];
  };
  /** Carousel templates: one entry per card, in order. */
  cards?: {
    media: { url?: string; id?: string };
    templateParams?: (string | number)[];
    quickReplyPayloads?: string[];
  }[];
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
