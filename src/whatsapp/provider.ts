// The provider-neutral shapes every part of the product speaks: routes and consumers build these,
// and each provider (Meta's Cloud API, the local sandbox) turns them into its own protocol.

export const TEMPLATE_CATEGORIES = ["MARKETING", "UTILITY", "AUTHENTICATION"] as const;
export type TemplateCategory = (typeof TEMPLATE_CATEGORIES)[number];

export const TEMPLATE_STATUSES = ["PENDING", "APPROVED", "REJECTED", "PAUSED", "DISABLED"] as const;
export type TemplateStatus = (typeof TEMPLATE_STATUSES)[number];

export const HEADER_FORMATS = ["TEXT", "IMAGE", "VIDEO", "DOCUMENT", "LOCATION"] as const;
export type HeaderFormat = (typeof HEADER_FORMATS)[number];
export type MediaFormat = "IMAGE" | "VIDEO" | "DOCUMENT";

export type TemplateHeader =
  | { format: "TEXT"; text: string; example?: string }
  /** `example`: a media handle from Meta's upload API, required by Meta to review the template. */
  | { format: MediaFormat; example?: string }
  | { format: "LOCATION" };

export const OTP_TYPES = ["COPY_CODE", "ONE_TAP", "ZERO_TAP"] as const;
export type OtpType = (typeof OTP_TYPES)[number];

export type TemplateButton =
  | { type: "QUICK_REPLY"; text: string }
  /** `url` may end in `{{1}}`, a suffix supplied at send time; `example` is a sample suffix. */
  | { type: "URL"; text: string; url: string; example?: string }
  | { type: "PHONE_NUMBER"; text: string; phoneNumber: string }
  /** Meta labels it itself ("Copy offer code"); the code is supplied at send time. */
  | { type: "COPY_CODE"; text?: string; example?: string }
  | { type: "FLOW"; text: string; flowId?: string; flowAction?: "navigate" | "data_exchange"; navigateScreen?: string }
  /** Opens the business's catalog (CATALOG) or a list of its products (MPM, multi-product). */
  | { type: "CATALOG" | "MPM"; text: string }
  /** Authentication templates only: the one-time password's button. */
  | {
      type: "OTP";
      otpType: OtpType;
      text?: string;
      autofillText?: string;
      /** Android apps a one-tap or zero-tap code is handed to. */
      supportedApps?: { packageName: string; signatureHash: string }[];
      zeroTapTermsAccepted?: boolean;
    };

export type ButtonType = TemplateButton["type"];

/** `{{1}}`… (positional) or `{{first_name}}`… (named) placeholders, as Meta's `parameter_format`. */
export const PARAMETER_FORMATS = ["POSITIONAL", "NAMED"] as const;
export type ParameterFormat = (typeof PARAMETER_FORMATS)[number];

/** One card of a carousel template: a media header, a body and its own buttons. */
export interface CarouselCard {
  header: { format: "IMAGE" | "VIDEO"; example?: string };
  body: { text: string; examples?: string[] };
  buttons: TemplateButton[];
}

/**
 * A template as a manager defines it. Placeholders are `{{1}}`… or, with `parameterFormat: NAMED`,
 * `{{name}}`…; examples are given in the order placeholders first appear.
 */
export interface TemplateDefinition {
  name: string;
  language: string;
  category: TemplateCategory;
  /** Absent means POSITIONAL, as every template stored before named parameters. */
  parameterFormat?: ParameterFormat;
  header?: TemplateHeader;
  body: { text: string; examples?: string[] };
  footer?: { text: string };
  buttons?: TemplateButton[];
  /**
   * The message validity period, Meta's `message_send_ttl_seconds`: how long Meta keeps trying to
   * deliver a send. Marketing: 43,200–2,592,000 (honoured on the Marketing Messages API only);
   * utility: 30–43,200; authentication: 30–900; -1 (utility, authentication) is 30 days.
   */
  messageSendTtlSeconds?: number;
  /** Authentication templates: Meta's preset body and footer, built from these two choices. */
  authentication?: { securityRecommendation: boolean; codeExpirationMinutes?: number };
  /** Limited-time offer (marketing): the offer's headline and whether a send carries its expiry. */
  offer?: { text: string; hasExpiration: boolean };
  /** Carousel (marketing): 2–10 cards after the body. */
  cards?: CarouselCard[];
}

/** What one card of a carousel send must supply. */
export interface CardParams {
  header: { format: "IMAGE" | "VIDEO" };
  body: number;
  buttons: { index: number; type: "URL"; params: number }[];
  quickReplies: number[];
}

/** What a send must supply for a template, derived once from its definition. */
export interface TemplateParams {
  header: { format: HeaderFormat; params: number } | null;
  body: number;
  /** Buttons that take a parameter at send time (URL buttons with a `{{1}}` suffix), by index. */
  buttons: { index: number; type: "URL"; params: number }[];
  /** Quick-reply buttons, by index: a send may attach a payload to each. */
  quickReplies: number[];
  /** Set only for NAMED templates: the names a send fills, each in order of first appearance. */
  names?: { header: string[]; body: string[] };
  /**
   * Other buttons a send fills (absent when there are none): a coupon for COPY_CODE, the code for
   * OTP (copy code and one-tap; zero-tap too), optional flow token, catalog or product list.
   */
  actions?: { index: number; type: "COPY_CODE" | "FLOW" | "CATALOG" | "MPM" | "OTP" }[];
  /** Limited-time offer templates; `expires`: each send carries the offer's expiry. */
  offer?: { expires: boolean };
  /** Carousel templates: what each card needs, in order. */
  cards?: CardParams[];
}

/** A media header by public link, or by the id of a file uploaded to Meta. */
export type MediaRef = { link: string; id?: undefined } | { id: string; link?: undefined };

export type HeaderParameter =
  | { type: "text"; text: string }
  | ({ type: "image" | "video" } & MediaRef)
  | ({ type: "document"; filename?: string } & MediaRef)
  | { type: "location"; latitude: number; longitude: number; name?: string; address?: string };

/** A body value Meta formats for the reader's locale; `fallback_value` is the body's text at its index. */
export type TypedValue = { type: "currency"; code: string; amount1000: number } | { type: "date_time" };

export type ButtonParameter =
  | { index: number; subType: "quick_reply"; payload: string }
  | { index: number; subType: "url"; text: string }
  | { index: number; subType: "copy_code"; couponCode: string }
  | { index: number; subType: "flow"; flowToken?: string; flowActionData?: Record<string, unknown> }
  | { index: number; subType: "catalog"; thumbnailProductRetailerId?: string }
  | {
      index: number;
      subType: "mpm";
      thumbnailProductRetailerId: string;
      sections: { title: string; productRetailerIds: string[] }[];
    };

/** One card of a carousel send. */
export interface CardMessage {
  header: { type: "image" | "video" } & MediaRef;
  body: string[];
  buttons?: ButtonParameter[];
}

/** One template message to one recipient. */
export interface TemplateMessage {
  /** E.164, with the plus. */
  to: string;
  /** `category` is not sent to Meta; the sandbox uses it to play marketing opt-outs. */
  template: { name: string; language: string; category?: TemplateCategory };
  header?: HeaderParameter;
  body: string[];
  buttons?: ButtonParameter[];
  /** NAMED templates: the `parameter_name` of the header's value and of each body value, in order. */
  names?: { header?: string; body: string[] };
  /** Body values Meta formats itself (currency, date-time), by their index in `body`. */
  typed?: ({ index: number } & TypedValue)[];
  /** Limited-time offer: when the offer ends (Unix ms). */
  offerExpiresAt?: number;
  /** Carousel: one entry per card, in order. */
  cards?: CardMessage[];
  /**
   * Unix ms after which this message must not be sent (a one-time password past its expiry): the
   * provider refuses it as a permanent failure instead of calling WhatsApp.
   */
  expiresAt?: number;
  /** Returned by Meta in every status webhook for this message (`biz_opaque_callback_data`). */
  callbackData?: string;
}

/**
 * One session (free-form) text message to one recipient. WhatsApp delivers these only inside the
 * 24-hour customer service window a person opens by writing to (or pressing a button of) the
 * business; the replies a journey button sends are such messages.
 */
export interface TextMessage {
  type: "text";
  /** E.164, with the plus. */
  to: string;
  /** 1–4096 characters (WhatsApp's limit). */
  text: string;
  /** Returned by Meta in every status webhook for this message (`biz_opaque_callback_data`). */
  callbackData?: string;
}

/** WhatsApp's maximum length of a text message body. */
export const MAX_TEXT_LENGTH = 4096;

/** What a message row's payload holds: a template message, or a session text message. */
export type OutboundMessage = TemplateMessage | TextMessage;

/** Template messages carry no `type` (they were the only kind first); text messages say so. */
export const isTextMessage = (message: OutboundMessage): message is TextMessage =>
  (message as { type?: unknown }).type === "text";

/**
 * How a failure should be handled. `retryable`: Meta refused it, try again later (with
 * `retryAfterSeconds` when the provider says how long). `permanent`: this message will never go
 * through. `account`: nothing will go through for this number until a person fixes the account;
 * pause instead of failing. `unknown`: the request may have reached Meta (a time-out, a broken
 * connection, an answer Meta never documents), so a send is never made again on a guess: it waits
 * for Meta's status webhook. `template`: refused as the template is paused or disabled (132015 /
 * 132016): the message waits, queued, and what sends the template is held until Meta reinstates it.
 */
export type ErrorClass = "retryable" | "permanent" | "account" | "unknown" | "template";

/**
 * Meta's `message_status` on an accepted send when not plain `accepted`: `paused` (the template
 * is), `held_for_quality_assessment` (Meta paces the template, then sends or fails it).
 */
export type AcceptedStatus = string;

export interface Accepted {
  wamid: string;
  messageStatus?: AcceptedStatus;
}

export interface ProviderError {
  class: ErrorClass;
  /** Meta's `error.code`; null for network failures and timeouts. */
  code: number | null;
  title: string;
  message: string;
  httpStatus: number | null;
  retryAfterSeconds?: number;
  /** Meta 131026: the number is not on WhatsApp (or cannot receive this message). */
  notOnWhatsApp?: boolean;
}

export type Result<T> = ({ ok: true } & T) | { ok: false; error: ProviderError };

/**
 * A message past its `expiresAt` (a one-time password past its validity) is refused before it
 * reaches WhatsApp: a permanent failure with this reason, recorded on the message, never sent.
 */
export function expiredMessage(message: TemplateMessage, now = Date.now()): Result<never> | null {
  if (message.expiresAt === undefined || message.expiresAt > now) return null;
  return {
    ok: false,
    error: {
      class: "permanent",
      code: null,
      title: "Expired before sending",
      message: `the message expired at ${new Date(message.expiresAt).toISOString()} and was not sent`,
      httpStatus: null,
    },
  };
}

export interface RemoteTemplate {
  providerTemplateId: string;
  status: TemplateStatus;
  rejectedReason: string | null;
  definition: TemplateDefinition;
}

/**
 * The phone number's `throughput.level` as Meta reports it: STANDARD (80 messages a second),
 * HIGH (up to 1,000), NOT_APPLICABLE; kept as Meta wrote it, so a level added later still reads.
 */
export type ThroughputLevel = string;

/** A file to upload to WhatsApp, for sends that name it by id instead of by link. */
export interface MediaUpload {
  bytes: ArrayBuffer | Uint8Array;
  /** The MIME type WhatsApp files it under (image/jpeg, video/mp4, application/pdf…). */
  contentType: string;
  filename: string;
}

/** How long WhatsApp keeps an uploaded file: its id may be sent for this long after the upload. */
export const UPLOADED_MEDIA_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;

export interface WhatsAppProvider {
  readonly kind: "meta" | "sandbox";
  sendTemplate(message: TemplateMessage): Promise<Result<Accepted>>;
  /** A session text message (inside the person's 24-hour customer service window). */
  sendText(message: TextMessage): Promise<Result<{ wamid: string }>>;
  createTemplate(
    definition: TemplateDefinition,
  ): Promise<Result<{ providerTemplateId: string; status: TemplateStatus; rejectedReason: string | null }>>;
  /** Every template of the WhatsApp Business Account, following Meta's paging to the end. */
  listTemplates(): Promise<Result<{ templates: RemoteTemplate[] }>>;
  /**
   * Deletes a template. With `providerTemplateId` only that language goes (Meta's `hsm_id`);
   * without it Meta deletes the name in every language.
   */
  deleteTemplate(name: string, providerTemplateId?: string | null): Promise<Result<object>>;
  /**
   * The phone number's throughput level and its portfolio's messaging limit tier
   * (`GET /{phone-number-id}?fields=throughput,whatsapp_business_manager_messaging_limit`); the tier
   * is null when Meta does not answer it.
   */
  readNumber(): Promise<Result<{ level: ThroughputLevel; messagingLimit: string | null }>>;
  /** Uploads a file for sends to name by id (`POST /{phone-number-id}/media`); kept 30 days. */
  uploadMedia(file: MediaUpload): Promise<Result<{ id: string }>>;
  /** Uploads a template's media example for Meta's review; answers its `header_handle`. */
  uploadTemplateExample(file: MediaUpload): Promise<Result<{ handle: string }>>;
}
