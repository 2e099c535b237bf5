import type { TemplateMessage } from "../provider";
import { type SendTemplateBody, sendTemplateBody } from "./send-payloads";

// Meta's Marketing Messages API for WhatsApp: POST /{phone-number-id}/marketing_messages, on the
// same number as Cloud API's /messages. It takes marketing templates only, in the body /messages
// takes, answers as /messages does (messages[0].id), reports statuses through the same `messages`
// webhook and fails with the same error codes. Anything else sent there is refused, so only a
// marketing template of a number onboarded to it goes there.

export type SendEdge = "messages" | "marketing_messages";

/** Where a template send goes: a marketing template of an onboarded number to the marketing endpoint. */
export const templateEdge = (message: TemplateMessage, onboarded: boolean): SendEdge =>
  onboarded && message.template.category === "MARKETING" ? "marketing_messages" : "messages";

export interface MarketingMessageBody extends SendTemplateBody {
  /**
   * Whether Meta shares the message's activity (reads, clicks) with the business's ad account for
   * measurement. Left out, Meta applies the setting chosen for the business at onboarding.
   */
  message_activity_sharing?: boolean;
  /** `CLOUD_API_FALLBACK` (Meta's default): a message the endpoint cannot take goes by Cloud API instead. */
  product_policy?: "CLOUD_API_FALLBACK" | "STRICT";
}

/**
 * The body of POST /{phone-number-id}/marketing_messages. The message's validity period is not a
 * field of the send: Meta takes it from the template (`message_send_ttl_seconds`, 12 hours to 30
 * days for marketing templates) and honours it only on this endpoint.
 */
export const marketingMessageBody = (message: TemplateMessage): MarketingMessageBody => sendTemplateBody(message);
