// The webhooks the stand-in sends as Meta would: status updates of sent messages and template
// review results, signed with the app secret (X-Hub-Signature-256) and kept per account until a
// test drains them, and POSTed to `webhookUrl` when one is set.
import type { Account, AccountState, GraphStandInOptions, StoredTemplate } from "./types.ts";

const encoder = new TextEncoder();

async function hmacHex(secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(body)));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function statusWebhook(
  account: Account,
  status: {
    wamid: string;
    status: "sent" | "delivered" | "read" | "failed";
    recipient: string;
    category: string;
    callbackData?: string;
    error?: { code: number; title: string; message: string; details: string };
  },
) {
  const entry: Record<string, unknown> = {
    id: status.wamid,
    status: status.status,
    timestamp: String(Math.floor(Date.now() / 1000)),
    // A message sent to a business-scoped user id is reported by that id, with no phone number.
    ...(/^[A-Z]{2}\./.test(status.recipient)
      ? { recipient_user_id: status.recipient }
      : { recipient_id: status.recipient }),
  };
  if (status.status === "sent" || status.status === "delivered") {
    entry.pricing =
      status.category === "service"
        ? { billable: false, pricing_model: "PMP", type: "free_customer_service", category: "service" }
        : { billable: true, pricing_model: "PMP", type: "regular", category: status.category };
  }
  if (status.callbackData !== undefined) entry.biz_opaque_callback_data = status.callbackData;
  if (status.error) {
    entry.errors = [
      {
        code: status.error.code,
        title: status.error.title,
        message: status.error.message,
        error_data: { details: status.error.details },
      },
    ];
  }
  return {
    object: "whatsapp_business_account",
    entry: [
      {
        id: account.wabaId,
        changes: [
          {
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: account.displayPhoneNumber, phone_number_id: account.phoneNumberId },
              statuses: [entry],
            },
            field: "messages",
          },
        ],
      },
    ],
  };
}

export function templateStatusWebhook(account: Account, template: StoredTemplate) {
  const value: Record<string, unknown> = {
    event: template.status,
    message_template_id: Number(template.id),
    message_template_name: template.name,
    message_template_language: template.language,
    reason: template.status === "REJECTED" ? template.rejectedReason || "INVALID_FORMAT" : "NONE",
    message_template_category: template.category,
  };
  if (template.status === "DISABLED") value.disable_info = { disable_date: String(Math.floor(Date.now() / 1000)) };
  if (template.status === "PAUSED") {
    value.other_info = {
      title: "FIRST_PAUSE",
      description: `Your WhatsApp message template has been paused for 3 hours until ${new Date(Date.now() + 3 * 3600_000).toUTCString()} due to low quality.`,
    };
  }
  return {
    object: "whatsapp_business_account",
    entry: [
      {
        id: account.wabaId,
        time: Math.floor(Date.now() / 1000),
        changes: [{ value, field: "message_template_status_update" }],
      },
    ],
  };
}

export interface WebhookOutbox {
  queue(state: AccountState, payload: unknown): Promise<void>;
  /** Resolves when every webhook POST started so far has finished. */
  settled(): Promise<void>;
}

export function createWebhookOutbox(options: GraphStandInOptions): WebhookOutbox {
  const deliveries = new Set<Promise<void>>();
  return {
    async queue(state, payload) {
      const body = JSON.stringify(payload);
      const signature = `sha256=${await hmacHex(state.account.appSecret, body)}`;
      state.webhooks.push({ body, signature });
      const url = options.webhookUrl;
      if (!url) return;
      const send = options.fetch ?? fetch;
      const delivery = send(url, {
        method: "POST",
        headers: { "content-type": "application/json", "x-hub-signature-256": signature },
        body,
      })
        .then((response) => response.body?.cancel())
        .catch(() => {})
        .finally(() => deliveries.delete(delivery));
      deliveries.add(delivery);
    },
    async settled() {
      while (deliveries.size > 0) await Promise.all([...deliveries]);
    },
  };
}
