import { z } from "zod";

// Meta's webhook payloads, as documented for the WhatsApp Business Account object. They are read
// liberally, one piece at a time: the envelope only needs its entries and changes, and each
// status, message, preference or contact is read on its own (./read.ts), so one piece in a shape
// we do not expect never makes its neighbours unreadable. Only the fields the product reads are
// declared, nearly all optional; everything else passes through untouched, and a timestamp or an
// id may come as a string or a number.

/** Unix seconds, as a string (messages, statuses) or a number (user preferences, newer fields). */
const Timestamp = z.union([z.string(), z.number()]);
const Text = z.string();

export const StatusErrorSchema = z.looseObject({
  code: z.union([z.number(), z.string()]).optional(),
  title: Text.optional(),
  message: Text.optional(),
  error_data: z.looseObject({ details: Text.optional() }).optional(),
});

export const StatusSchema = z.looseObject({
  id: Text,
  status: z.enum(["sent", "delivered", "read", "failed", "deleted", "warning"]).or(Text),
  timestamp: Timestamp.optional(),
  recipient_id: Text.optional(),
  /** The business-scoped user id of the recipient (BSUID), beside or instead of `recipient_id`. */
  recipient_user_id: Text.optional(),
  biz_opaque_callback_data: Text.optional(),
  errors: z.array(StatusErrorSchema).optional(),
  /** Meta's per-message pricing; read by src/whatsapp/pricing.ts, whatever its shape. */
  pricing: z.unknown().optional(),
});

const Reply = z.looseObject({ id: Text.optional(), title: Text.optional(), description: Text.optional() });
const Media = z.looseObject({ id: Text.optional(), mime_type: Text.optional(), caption: Text.optional() });

export const InboundMessageSchema = z.looseObject({
  /** The sender's WhatsApp number; absent for a user known to the business only by a BSUID. */
  from: Text.optional(),
  /** The sender's business-scoped user id (BSUID). */
  from_user_id: Text.optional(),
  id: Text,
  timestamp: Timestamp.optional(),
  type: Text.optional(),
  text: z.looseObject({ body: Text.optional() }).optional(),
  button: z.looseObject({ payload: Text.optional(), text: Text.optional() }).optional(),
  context: z.looseObject({ id: Text.optional(), from: Text.optional() }).optional(),
  // A reply to an interactive message: `button_reply` for reply buttons, `list_reply` for lists,
  // `nfm_reply` for a completed Flow.
  interactive: z
    .looseObject({
      type: Text.optional(),
      button_reply: Reply.optional(),
      list_reply: Reply.optional(),
      nfm_reply: z
        .looseObject({ name: Text.optional(), body: Text.optional(), response_json: Text.optional() })
        .optional(),
    })
    .optional(),
  reaction: z.looseObject({ message_id: Text.optional(), emoji: Text.optional() }).optional(),
  image: Media.optional(),
  video: Media.optional(),
  audio: Media.optional(),
  document: Media.extend({ filename: Text.optional() }).optional(),
  sticker: Media.optional(),
  location: z
    .looseObject({
      latitude: z.union([z.number(), Text]).optional(),
      longitude: z.union([z.number(), Text]).optional(),
      name: Text.optional(),
      address: Text.optional(),
    })
    .optional(),
  contacts: z.array(z.looseObject({ name: z.looseObject({ formatted_name: Text.optional() }).optional() })).optional(),
  order: z.looseObject({ catalog_id: Text.optional(), text: Text.optional() }).optional(),
  // `user_changed_number`: `wa_id` (older payloads: `new_wa_id`) is the new number, `from` the old.
  system: z
    .looseObject({
      type: Text.optional(),
      body: Text.optional(),
      wa_id: Text.optional(),
      new_wa_id: z.union([Text, z.number()]).optional(),
      user_id: Text.optional(),
      previous_user_id: Text.optional(),
    })
    .optional(),
  errors: z.array(StatusErrorSchema).optional(),
});

/** One entry of a change's `contacts`: who sent its messages, by number, BSUID or both. */
export const WebhookContactSchema = z.looseObject({
  wa_id: Text.optional(),
  user_id: Text.optional(),
  profile: z.looseObject({ name: Text.optional(), username: Text.optional() }).optional(),
});

/** One entry of a `user_preferences` change: a person stopped or resumed marketing messages. */
export const UserPreferenceSchema = z.looseObject({
  wa_id: Text.optional(),
  user_id: Text.optional(),
  detail: Text.optional(),
  category: Text.optional(),
  value: Text.optional(),
  timestamp: Timestamp.optional(),
});

/** A change's `value` with the parts the product reads typed; nothing in it is checked by the envelope. */
export const ChangeValueSchema = z.looseObject({
  metadata: z
    .looseObject({ phone_number_id: z.union([Text, z.number()]).optional(), display_phone_number: Text.optional() })
    .optional(),
  statuses: z.array(StatusSchema).optional(),
  messages: z.array(InboundMessageSchema).optional(),
  contacts: z.array(WebhookContactSchema).optional(),
  user_preferences: z.array(UserPreferenceSchema).optional(),
  // message_template_status_update
  event: Text.optional(),
  message_template_id: z.union([z.number(), Text]).optional(),
  message_template_name: Text.optional(),
  message_template_language: Text.optional(),
  reason: Text.nullable().optional(),
});

export type WebhookChangeValue = z.infer<typeof ChangeValueSchema>;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The envelope: entries with their changes, each change a field name and an object. What is
 * inside a change's value is read later, piece by piece; the type only says what may be there.
 */
export const ChangeSchema = z.looseObject({
  field: Text,
  value: z.custom<WebhookChangeValue>(isRecord, "must be an object"),
});

export const WebhookPayloadSchema = z.looseObject({
  object: Text.optional(),
  entry: z.array(
    z
      .looseObject({ id: z.union([Text, z.number()]).transform(String), changes: z.array(z.unknown()) })
      .transform((entry) => ({ ...entry, changes: entry.changes as WebhookChange[] })),
  ),
});

export type WebhookChange = z.infer<typeof ChangeSchema>;
export type WebhookPayload = {
  object?: string;
  entry: { id: string; changes: WebhookChange[]; [key: string]: unknown }[];
  [key: string]: unknown;
};
export type WebhookStatus = z.infer<typeof StatusSchema>;
export type InboundMessage = z.infer<typeof InboundMessageSchema>;
export type UserPreference = z.infer<typeof UserPreferenceSchema>;
export type WebhookContact = z.infer<typeof WebhookContactSchema>;

/** What the `events` queue carries: one verified webhook payload, already tied to its project. */
export interface WebhookEventMessage {
  kind: "whatsapp-webhook";
  source: "meta" | "sandbox";
  projectId: string;
  receivedAt: number;
  payload: WebhookPayload;
}

const seconds = (ms: number) => String(Math.floor(ms / 1000));

/** A status webhook for one message, shaped exactly as Meta sends it. */
export function statusPayload(options: {
  wabaId: string;
  phoneNumberId: string;
  wamid: string;
  status: "sent" | "delivered" | "read" | "failed";
  recipient: string;
  at: number;
  callbackData?: string;
  error?: { code: number; title: string; message: string };
  /** Meta's `pricing` object, as it comes. */
  pricing?: Record<string, unknown>;
}): WebhookPayload {
  const status: WebhookStatus = {
    id: options.wamid,
    status: options.status,
    timestamp: seconds(options.at),
    recipient_id: options.recipient.replace(/^\+/, ""),
    ...(options.callbackData ? { biz_opaque_callback_data: options.callbackData } : {}),
    ...(options.pricing ? { pricing: options.pricing } : {}),
    ...(options.error
      ? {
          errors: [
            {
              code: options.error.code,
              title: options.error.title,
              message: options.error.message,
              error_data: { details: options.error.message },
            },
          ],
        }
      : {}),
  };
  return {
    object: "whatsapp_business_account",
    entry: [
      {
        id: options.wabaId,
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550000000", phone_number_id: options.phoneNumberId },
              statuses: [status],
            },
          },
        ],
      },
    ],
  };
}
