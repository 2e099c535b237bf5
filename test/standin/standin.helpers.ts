import { expect } from "vitest";
import { MetaProvider, type MetaProviderOptions } from "../../src/whatsapp/meta/provider";
import type { ErrorInjection, QueuedWebhook, ReceivedSend } from "../../standin/graph-api";

// The Graph API stand-in is wired into vitest.config.ts as the Worker's outbound service for this
// host, so a plain fetch (and a MetaProvider with the default fetch) reaches it from inside workerd.
export const STANDIN = "https://graph.standin.test";
export const VERSION = "v26.0";

export interface StandInAccount {
  phoneNumberId: string;
  wabaId: string;
  accessToken: string;
  appSecret: string;
  /** The Meta app the token belongs to (template example uploads). */
  appId: string;
}

const random = () => crypto.randomUUID().replaceAll("-", "").slice(0, 12);
/** A numeric id, as Meta's phone number and WABA ids are. */
const numericId = () => `1${Array.from(crypto.getRandomValues(new Uint8Array(14)), (b) => b % 10).join("")}`;

async function control<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${STANDIN}/__standin/${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

/** A fresh account with its own ids, so tests running in parallel never share stand-in state. */
export async function registerAccount(
  options: { autoApprove?: boolean; messagingLimit?: string } = {},
): Promise<StandInAccount> {
  const account = {
    phoneNumberId: numericId(),
    wabaId: numericId(),
    accessToken: `EAAT${random()}${random()}`,
    appSecret: `secret-${random()}`,
    appId: numericId(),
  };
  const result = await control("POST", "accounts", { ...account, ...options });
  expect(result.status).toBe(201);
  return account;
}

export function metaProvider(account: StandInAccount, overrides: Partial<MetaProviderOptions> = {}) {
  return new MetaProvider({
    baseUrl: STANDIN,
    version: VERSION,
    phoneNumberId: account.phoneNumberId,
    wabaId: account.wabaId,
    accessToken: account.accessToken,
    appId: account.appId,
    ...overrides,
  });
}

export interface SeedTemplate {
  name: string;
  language?: string;
  status?: string;
  category?: string;
  /** Meta's `parameter_format`: NAMED for `{{first_name}}` placeholders. */
  parameter_format?: "POSITIONAL" | "NAMED";
  components?: unknown[];
  rejectedReason?: string;
  /** The template's `message_send_ttl_seconds`. */
  messageSendTtlSeconds?: number;
  /** What an accepted send of it answers as `message_status`: held_for_quality_assessment, paused. */
  messageStatus?: string;
}

/** Seeds a template (or changes its status) directly in the stand-in, in Meta's component shape. */
export async function seedTemplate(account: StandInAccount, template: SeedTemplate) {
  const result = await control<{ id: string }>("POST", "templates", {
    wabaId: account.wabaId,
    language: "en_US",
    status: "APPROVED",
    ...template,
  });
  expect(result.status, JSON.stringify(result.body)).toBe(200);
  return result.body;
}

export async function injectError(
  account: StandInAccount,
  injection: Omit<ErrorInjection, "phoneNumberId"> & { phoneNumberId?: string },
) {
  const result = await control("POST", "errors", { phoneNumberId: account.phoneNumberId, ...injection });
  expect(result.status, JSON.stringify(result.body)).toBe(201);
}

export async function clearErrors(account: StandInAccount) {
  const result = await control("DELETE", `errors?phoneNumberId=${account.phoneNumberId}`);
  expect(result.status).toBe(200);
}

export async function receivedSends(account: StandInAccount): Promise<ReceivedSend[]> {
  const result = await control<{ data: ReceivedSend[] }>("GET", `sends?phoneNumberId=${account.phoneNumberId}`);
  expect(result.status).toBe(200);
  return result.body.data;
}

/** The files uploaded through POST /{phone-number-id}/media, in order. */
export async function uploadedMedia(account: StandInAccount) {
  return (await standInMedia(account)).data;
}

/** What the account uploaded: media files, and the template example handles its uploads answered. */
export async function standInMedia(account: StandInAccount) {
  type Uploaded = { id: string; type: string; bytes: number; filename: string | null };
  const path = `media?phoneNumberId=${account.phoneNumberId}`;
  const result = await control<{ data: Uploaded[]; handles: string[] }>("GET", path);
  expect(result.status).toBe(200);
  return result.body;
}

export async function drainWebhooks(account: StandInAccount): Promise<QueuedWebhook[]> {
  const result = await control<QueuedWebhook[]>("POST", `webhooks/drain?phoneNumberId=${account.phoneNumberId}`);
  expect(result.status).toBe(200);
  return result.body;
}

/** A raw Graph API call, as a client of Meta would make it. */
export async function graph(
  account: StandInAccount,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = account.accessToken,
) {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${STANDIN}/${VERSION}/${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

/** A minimal valid template send body, for raw calls. */
export function sendBody(template: string, components?: unknown[], to = "+15551230001") {
  return {
    messaging_product: "whatsapp",
    recipient_type: "individual",
    to,
    type: "template",
    template: { name: template, language: { code: "en_US" }, ...(components ? { components } : {}) },
  };
}

/** Verifies `sha256=<hex>` against the exact bytes of `body` with WebCrypto, as a receiver would. */
export async function verifySignature(secret: string, body: string | Uint8Array, signature: string) {
  const hex = /^sha256=([0-9a-f]{64})$/.exec(signature)?.[1];
  if (!hex) return false;
  const mac = new Uint8Array(hex.match(/../g)?.map((h) => Number.parseInt(h, 16)) ?? []);
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "verify",
  ]);
  const bytes = typeof body === "string" ? encoder.encode(body) : body;
  return crypto.subtle.verify("HMAC", key, mac, bytes);
}
