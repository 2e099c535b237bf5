import { z } from "zod";

// Meta's webhook payloads, as documented for the WhatsApp Business Account object. Only the fields
// the product reads are declared; everything else passes through untouched.

export const StatusErrorSchema = z.looseObject({
  code: z.number(),
  title: z.string().optional(),
  message: z.string().optional(),
  error_data: z.looseObject({ details: z.string().optional() }).optional(),
});

export const StatusSchema = z.looseObject({
  id: z.string(),
  status: z.enum(["sent", "delivered", "read", "failed", "deleted", "warning"]).or(z.string()),
  timestamp: z.string(),
  recipient_id: z.string().optional(),
  biz_opaque_callback_data: z.string().optional(),
  errors: z.array(StatusErrorSchema).optional(),
});

export const InboundMessageSchema = z.looseObject({
  from: z.string(),
  id: z.string(),
  timestamp: z.string(),
  type: z.string(),
  text: z.looseObject({ body: z.string() }).optional(),
  button: z.looseObject({ payload: z.string().optional(), text: z.string().optional() }).optional(),
  context: z.looseObject({ id: z.string().optional() }).optional(),
  // A reply to an interactive message: `button_reply` for reply buttons, `list_reply` for lists.
  interactive: z
    .looseObject({
      type: z.string().optional(),
      button_reply: z.looseObject({ id: z.string().optional(), title: z.string().optional() }).optional(),
      list_reply: z.looseObject({ id: z.string().optional(), title: z.string().optional() }).optional(),
    })
    .optional(),
});

/**
 * One entry of a `user_preferences` change: a person stopped or resumed marketing messages. Every
 * field is optional here so that one odd entry cannot make a whole payload unreadable; the inbound
 * handler checks what it needs.
 */
export const UserPreferenceSchema = z.looseObject({
  wa_id: z.string().optional(),
  detail: z.string().optional(),
  category: z.string().optional(),
  value: z.string().optional(),
  timestamp: z.union([z.number(), z.string()]).optional(),
});

export const ChangeSchema = z.looseObject({
  field: z.string(),
  value: z.looseObject({
    metadata: z.looseObject({ phone_number_id: z.string(), display_phone_number: z.string().optional() }).optional(),
    statuses: z.array(StatusSchema).optional(),
    messages: z.array(InboundMessageSchema).optional(),
    user_preferences: z.array(UserPreferenceSchema).optional(),
    // message_template_status_update
    event: z.string().optional(),
    message_template_id: z.union([z.number(), z.string()]).optional(),
    message_template_name: z.string().optional(),
    message_template_language: z.string().optional(),
    reason: z.string().nullable().optional(),
  }),
});

export const WebhookPayloadSchema = z.looseObject({
  object: z.string(),
  entry: z.array(z.looseObject({ id: z.string(), changes: z.array(ChangeSchema) })),
});

export type WebhookPayload = z.infer<typeof WebhookPayloadSchema>;
export type WebhookStatus = z.infer<typeof StatusSchema>;
export type WebhookChangeValue = z.infer<typeof ChangeSchema>["value"];
export type InboundMessage = z.infer<typeof InboundMessageSchema>;

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
}): WebhookPayload {
  const status: WebhookStatus = {
    id: options.wamid,
    status: options.status,
    timestamp: seconds(options.at),
    recipient_id: options.recipient.replace(/^\+/, ""),
    ...(options.callbackData ? { biz_opaque_callback_data: options.callbackData } : {}),
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
