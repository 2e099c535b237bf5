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

export type TemplateButton =
  | { type: "QUICK_REPLY"; text: string }
  /** `url` may end in `{{1}}`, a suffix supplied at send time; `example` is a sample suffix. */
  | { type: "URL"; text: string; url: string; example?: string }
  | { type: "PHONE_NUMBER"; text: string; phoneNumber: string };

/** A template as a manager defines it: positional `{{1}}`… placeholders. */
export interface TemplateDefinition {
  name: string;
  language: string;
  category: TemplateCategory;
  header?: TemplateHeader;
  body: { text: string; examples?: string[] };
  footer?: { text: string };
  buttons?: TemplateButton[];
}

/** What a send must supply for a template, derived once from its definition. */
export interface TemplateParams {
  header: { format: HeaderFormat; params: number } | null;
  body: number;
  /** Buttons that take a parameter at send time (URL buttons with a `{{1}}` suffix), by index. */
  buttons: { index: number; type: "URL"; params: number }[];
  /** Quick-reply buttons, by index: a send may attach a payload to each. */
  quickReplies: number[];
}

export type HeaderParameter =
  | { type: "text"; text: string }
  | { type: "image" | "video"; link: string }
  | { type: "document"; link: string; filename?: string }
  | { type: "location"; latitude: number; longitude: number; name?: string; address?: string };

export type ButtonParameter =
  | { index: number; subType: "quick_reply"; payload: string }
  | { index: number; subType: "url"; text: string };

/** One template message to one recipient. */
export interface TemplateMessage {
  /** E.164, with the plus. */
  to: string;
  /** `category` is not sent to Meta; the sandbox uses it to play marketing opt-outs. */
  template: { name: string; language: string; category?: TemplateCategory };
  header?: HeaderParameter;
  body: string[];
  buttons?: ButtonParameter[];
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
 * for Meta's status webhook.
 */
export type ErrorClass = "retryable" | "permanent" | "account" | "unknown";

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

export interface RemoteTemplate {
  providerTemplateId: string;
  status: TemplateStatus;
  rejectedReason: string | null;
  definition: TemplateDefinition;
}

export interface WhatsAppProvider {
  readonly kind: "meta" | "sandbox";
  sendTemplate(message: TemplateMessage): Promise<Result<{ wamid: string }>>;
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
}
