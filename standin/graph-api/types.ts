// The stand-in's public types (options, recorded traffic, error injections) and the per-account
// state its modules share.

export interface GraphStandInOptions {
  /** When set, every queued webhook is also POSTed here (signed), as Meta would. */
  webhookUrl?: string;
  /** Used to POST webhooks; defaults to the global fetch. */
  fetch?: typeof fetch;
}

export interface QueuedWebhook {
  /** The exact bytes that were signed, as a string. */
  body: string;
  /** The X-Hub-Signature-256 header value: `sha256=<hex>`. */
  signature: string;
}

export interface ReceivedSend {
  /** The edge the send was posted to: Cloud API's, or the Marketing Messages API's. */
  endpoint: "messages" | "marketing_messages";
  /**
   * The validity period Meta applies to an accepted template send, in seconds: the template's
   * `message_send_ttl_seconds` where Meta honours it (a marketing template only on
   * /marketing_messages), else the category's default; null for anything else.
   */
  ttlSeconds: number | null;
  wamid: string | null;
  accepted: boolean;
  /** Meta's error code when the request was refused. */
  errorCode: number | null;
  /** The request body as parsed JSON. */
  body: unknown;
  receivedAt: number;
}

export type InjectionMode = "always" | "next" | "every";

/**
 * A send Meta takes (recorded, its status webhooks queued) whose answer never arrives intact:
 * "hang" holds the answer `holdMs` (the caller's time limit fires first), "truncate" cuts the body
 * as a reset connection would, "gateway" answers 504 from an intermediary with no Meta body.
 */
export type AnswerFault = "hang" | "truncate" | "gateway";

export interface ErrorInjection {
  phoneNumberId: string;
  /** Meta's error code; not needed (and ignored) with `fault`. */
  code: number;
  fault?: AnswerFault;
  /** With fault "hang": how long the answer is held (ms; default 30,000). */
  holdMs?: number;
  httpStatus?: number;
  mode: InjectionMode;
  /** next: how many requests fail (default 1); every: fail each `count`-th request (default 2). */
  count?: number;
  /** Only sends to this recipient (E.164, with or without the plus). */
  recipient?: string;
  /** Only this endpoint; default: sends (both edges) and template calls of the account alike. */
  endpoint?: "messages" | "marketing_messages" | "message_templates" | "phone_number" | "media";
  /** Adds a Retry-After header (seconds) to the error response. */
  retryAfter?: number;
  /**
   * "sync" (default): the request fails with Meta's error body. "webhook": the send is accepted
   * and the error arrives as a `failed` status webhook, as Meta reports most delivery failures.
   */
  delivery?: "sync" | "webhook";
  message?: string;
  details?: string;
}

export interface GraphStandIn {
  fetch(request: Request): Promise<Response>;
  /** Resolves when every webhook POST to `webhookUrl` started so far has finished. */
  settled(): Promise<void>;
}

export interface Account {
  phoneNumberId: string;
  wabaId: string;
  accessToken: string;
  appSecret: string;
  autoApprove: boolean;
  displayPhoneNumber: string;
  /** The number's `throughput.level`: STANDARD (80/s) unless a test sets HIGH or NOT_APPLICABLE. */
  throughputLevel?: string;
  /** The portfolio's messaging limit tier; TIER_UNLIMITED unless set, so no run waits on it. */
  messagingLimit?: string;
  /** The Meta app the account's token belongs to: template examples are uploaded through it. */
  appId?: string;
}

export interface StoredTemplate {
  id: string;
  name: string;
  language: string;
  category: string;
  status: string;
  rejectedReason: string;
  components: Component[];
  /** Meta's `parameter_format`: NAMED templates take `{{first_name}}` placeholders. */
  parameterFormat: "POSITIONAL" | "NAMED";
  /** `message_send_ttl_seconds` as the template was created with it; undefined for Meta's default. */
  ttlSeconds?: number;
  /**
   * The `message_status` an accepted send answers: `accepted` unless a test sets
   * `held_for_quality_assessment` (Meta pacing the template) or `paused`.
   */
  messageStatus?: string;
}

export interface Component {
  type?: unknown;
  format?: unknown;
  text?: unknown;
  example?: unknown;
  buttons?: TemplateButtonJson[];
  sub_type?: unknown;
  index?: unknown;
  parameters?: unknown;
  /** Authentication templates: Meta's preset parts. */
  add_security_recommendation?: unknown;
  code_expiration_minutes?: unknown;
  /** Limited-time offer templates. */
  limited_time_offer?: unknown;
  /** Carousel templates (and sends): the cards, each with its own components. */
  cards?: unknown;
  card_index?: unknown;
}

export interface TemplateButtonJson {
  type?: unknown;
  text?: unknown;
  url?: unknown;
  phone_number?: unknown;
  example?: unknown;
  otp_type?: unknown;
  flow_id?: unknown;
  flow_action?: unknown;
  navigate_screen?: unknown;
  supported_apps?: unknown;
  zero_tap_terms_accepted?: unknown;
}

export interface ActiveInjection extends ErrorInjection {
  id: number;
  seen: number;
  remaining: number;
}

/** A file uploaded through POST /{phone-number-id}/media. */
export interface UploadedMedia {
  id: string;
  type: string;
  bytes: number;
  /** The part's file name, when the upload gave one. */
  filename: string | null;
  /** Unix ms. */
  uploadedAt: number;
}

export interface AccountState {
  account: Account;
  injections: ActiveInjection[];
  sends: ReceivedSend[];
  webhooks: QueuedWebhook[];
  media: UploadedMedia[];
  /** Open upload sessions of the Resumable Upload API, by id, with what they announced. */
  uploadSessions: Map<string, { fileLength: number; fileType: string }>;
  /** The `header_handle`s this account's uploads answered. */
  handles: Set<string>;
}
