import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import { handleInbound } from "../../src/features/inbound/handle";
import type { InboundConfig } from "../../src/features/inbound/parse";
import { readConfig } from "../../src/platform/config";
import type { InboundMessage, WebhookChangeValue, WebhookPayload } from "../../src/whatsapp/webhook/payload";
import { call, db } from "../helpers";
import { insertQueuedMessage, templateMessage } from "../messages/messages.helpers";

// Inbound webhooks shaped as Meta documents them: `messages` changes carrying text, template
// quick-reply (`button`) and interactive replies, and `user_preferences` changes.

/** Runs the inbound handler on one webhook change, as the events consumer does, with the project's configuration. */
export const inbound = (projectId: string, value: WebhookChangeValue, config: InboundConfig = readConfig(env)) =>
  handleInbound(db(), config, projectId, value);

export const NUMBER = "+917428526285";
export const WA_ID = NUMBER.slice(1);

let sequence = 0;
/** A wamid no other test uses, unlike any other in its last 16 characters too (its index key). */
export const newWamid = (label = "in") => {
  sequence += 1;
  return `wamid.${label}.${Date.now().toString(36)}.${sequence}.${crypto.randomUUID()}`;
};

export const text = (body: string, options: { id?: string; from?: string; context?: string; at?: number } = {}) =>
  ({
    from: options.from ?? WA_ID,
    id: options.id ?? newWamid(),
    timestamp: String(options.at ?? 1_700_000_000),
    type: "text",
    text: { body },
    ...(options.context ? { context: { from: "15550000000", id: options.context } } : {}),
  }) satisfies InboundMessage;

export const press = (
  payload: string,
  label: string,
  options: { id?: string; from?: string; context?: string; at?: number } = {},
) =>
  ({
    from: options.from ?? WA_ID,
    id: options.id ?? newWamid(),
    timestamp: String(options.at ?? 1_700_000_000),
    type: "button",
    button: { payload, text: label },
    ...(options.context ? { context: { from: "15550000000", id: options.context } } : {}),
  }) satisfies InboundMessage;

export const buttonReply = (
  id: string,
  title: string,
  options: { id?: string; from?: string; context?: string; at?: number } = {},
) =>
  ({
    from: options.from ?? WA_ID,
    id: options.id ?? newWamid(),
    timestamp: String(options.at ?? 1_700_000_000),
    type: "interactive",
    interactive: { type: "button_reply", button_reply: { id, title } },
    ...(options.context ? { context: { from: "15550000000", id: options.context } } : {}),
  }) satisfies InboundMessage;

export const preference = (value: "stop" | "resume", waId = WA_ID, category = "marketing_messages") => ({
  wa_id: waId,
  detail:
    value === "stop" ? "User requested to stop marketing messages" : "User requested to resume marketing messages",
  category,
  value,
  timestamp: 1_700_000_000,
});

const metadata = (phoneNumberId = "15550001111") => ({
  display_phone_number: "15550000000",
  phone_number_id: phoneNumberId,
});

/** The `value` of a `messages` change carrying inbound messages. */
export const messagesValue = (messages: InboundMessage[], phoneNumberId?: string): WebhookChangeValue => ({
  messaging_product: "whatsapp",
  metadata: metadata(phoneNumberId),
  contacts: messages.map((m) => ({ profile: { name: "Asha" }, wa_id: m.from })),
  messages,
});

/** The `value` of a `user_preferences` change. */
export const preferencesValue = (
  preferences: ReturnType<typeof preference>[],
  phoneNumberId?: string,
): WebhookChangeValue => ({
  messaging_product: "whatsapp",
  metadata: metadata(phoneNumberId),
  contacts: preferences.map((p) => ({ profile: { name: "Asha" }, wa_id: p.wa_id })),
  user_preferences: preferences,
});

export const payloadOf = (wabaId: string, field: string, value: WebhookChangeValue): WebhookPayload => ({
  object: "whatsapp_business_account",
  entry: [{ id: wabaId, changes: [{ field, value }] }],
});

const encoder = new TextEncoder();

export async function sign(secret: string, body: string) {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(body)));
  return `sha256=${[...mac].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

let accounts = 0;
/**
 * Connects a project to a Meta account (as the operator would), so signed webhooks reach it;
 * `appSecret` puts it on an existing Meta app's secret.
 */
export async function attachMetaAccount(projectId: string, options: { appSecret?: string } = {}) {
  accounts += 1;
  const account = {
    provider: "meta",
    phoneNumberId: `66600${Date.now()}${accounts}`,
    wabaId: `88800${Date.now()}${accounts}`,
    accessToken: "EAAG-test-token-123456",
    appSecret: options.appSecret ?? `inbound-secret-${accounts}-${projectId}`,
    verifyToken: `inbound-verify-${accounts}-${projectId}`,
  };
  const put = await call("PUT", `/v1/admin/projects/${projectId}/whatsapp`, { admin: true, body: account });
  expect(put.status, JSON.stringify(put.body)).toBe(200);
  return account;
}

/** POSTs a payload to the webhook endpoint, signed with the account's app secret. */
export async function postSigned(appSecret: string, payload: WebhookPayload | Record<string, unknown>) {
  const body = JSON.stringify(payload);
  const response = await exports.default.fetch(
    new Request("https://api.test/webhooks/whatsapp", {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": await sign(appSecret, body) },
      body,
    }),
  );
  return { status: response.status, body: (await response.json()) as unknown };
}

/** A message of ours, as sent: queued through the store, then given its wamid. */
export async function sentMessage(
  projectId: string,
  options: { campaignId?: string | null; runId?: string | null; number?: string } = {},
) {
  const number = options.number ?? NUMBER;
  const id = await insertQueuedMessage(db(), {
    projectId,
    number,
    templateId: null,
    payload: templateMessage(number, "MARKETING"),
    campaignId: options.campaignId ?? null,
    runId: options.runId ?? null,
  });
  const wamid = newWamid("out");
  await env.DB.prepare("UPDATE messages SET status = 'sent', wamid = ? WHERE id = ?").bind(wamid, id).run();
  return { id, wamid };
}

export interface ContactRow {
  id: number;
  number: string;
  name: string | null;
  source: string | null;
  opted_out: number;
  created_at: number;
  updated_at: number;
}

export const contactRow = (projectId: string, number = NUMBER) =>
  env.DB.prepare("SELECT * FROM contacts WHERE project_id = ? AND number = ?")
    .bind(projectId, number)
    .first<ContactRow>();

export interface ResponseRow {
  number: string;
  message_id: string | null;
  campaign_id: string | null;
  run_id: string | null;
  wamid: string;
  kind: string;
  payload: string | null;
  text: string | null;
  received_at: number;
}

export const responseRows = async (projectId: string) =>
  (
    await env.DB.prepare(
      "SELECT number, message_id, campaign_id, run_id, wamid, kind, payload, text, received_at FROM responses WHERE project_id = ? ORDER BY id",
    )
      .bind(projectId)
      .all<ResponseRow>()
  ).results;
