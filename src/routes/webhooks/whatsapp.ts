import { createRoute, z } from "@hono/zod-openapi";
import { eq, or } from "drizzle-orm";
import { bodyLimit } from "hono/body-limit";
import type { Db } from "../../db/client";
import { whatsappAccounts } from "../../db/schema";
import { router } from "../../http/context";
import { errorResponses } from "../../http/openapi";
import { sha256Hex } from "../../lib/crypto";
import { ApiError } from "../../lib/errors";
import { credentialContext } from "../../whatsapp";
import { unseal } from "../../whatsapp/credentials";
import { batchesOf, splitForQueue } from "../../whatsapp/split";
import { type WebhookEventMessage, type WebhookPayload, WebhookPayloadSchema } from "../../whatsapp/webhook";

// Meta batches statuses into one POST; its documented ceiling is 3 MB.
export const MAX_WEBHOOK_BYTES = 3 * 1024 * 1024;

const encoder = new TextEncoder();

function hexToBytes(hex: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[0-9a-f]{64}$/i.test(hex)) return null;
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

const hmacKey = (appSecret: string) =>
  crypto.subtle.importKey("raw", encoder.encode(appSecret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);

/** HMAC-SHA256 over the raw bytes; `crypto.subtle.verify` compares in constant time. */
export async function verifySignature(appSecret: string | CryptoKey, body: ArrayBuffer, header: string | undefined) {
  const expected = header?.startsWith("sha256=") ? hexToBytes(header.slice(7)) : null;
  if (!expected) return false;
  const key = typeof appSecret === "string" ? await hmacKey(appSecret) : appSecret;
  return crypto.subtle.verify("HMAC", key, expected, body);
}

// Meta posts webhooks at up to several times the send rate; reading the account and unsealing its
// app secret for each one would make D1 and AES the bottleneck. An isolate keeps the imported
// HMAC keys for VERIFIER_TTL_MS (a rotated app secret is picked up within that time; the isolate
// that changes an account forgets at once).
const VERIFIER_TTL_MS = 30_000;
const verifiers = new Map<string, { keys: { projectId: string; key: CryptoKey }[]; expiresAt: number }>();

export function forgetWebhookVerifiers() {
  verifiers.clear();
}

async function verifiersFor(db: Db, config: { ENCRYPTION_KEY: string }, payload: WebhookPayload) {
  const { lookup, cacheKey } = accountLookup(payload);
  const now = Date.now();
  const hit = cacheKey ? verifiers.get(cacheKey) : undefined;
  if (hit && hit.expiresAt > now) return hit.keys;
  const keys: { projectId: string; key: CryptoKey }[] = [];
  for (const account of await lookup(db)) {
    if (!account.appSecretEnc) continue;
    const secret = await unseal(
      config.ENCRYPTION_KEY,
      account.appSecretEnc,
      credentialContext(account.projectId, "app_secret"),
    );
    keys.push({ projectId: account.projectId, key: await hmacKey(secret) });
  }
  if (cacheKey && keys.length > 0) {
    if (verifiers.size > 10_000) verifiers.clear();
    verifiers.set(cacheKey, { keys, expiresAt: now + VERIFIER_TTL_MS });
  }
  return keys;
}

/** The accounts a payload speaks for: by phone number id, else by WhatsApp Business Account id. */
function accountLookup(payload: WebhookPayload) {
  const phoneIds = new Set<string>();
  const wabaIds = new Set<string>();
  for (const entry of payload.entry) {
    wabaIds.add(entry.id);
    for (const change of entry.changes) {
      const id = change.value.metadata?.phone_number_id;
      if (id) phoneIds.add(id);
    }
  }
  const byPhone = phoneIds.size > 0;
  const ids = [...(byPhone ? phoneIds : wabaIds)].sort();
  const conditions = ids.map((id) => eq(byPhone ? whatsappAccounts.phoneNumberId : whatsappAccounts.wabaId, id));
  return {
    cacheKey: ids.length > 0 ? `${byPhone ? "phone" : "waba"}:${ids.join(",")}` : null,
    lookup: (db: Db) =>
      conditions.length === 0
        ? Promise.resolve([])
        : db
            .select()
            .from(whatsappAccounts)
            .where(or(...conditions))
            .all(),
  };
}

const VerifyQuery = z.object({
  "hub.mode": z.string().optional(),
  "hub.verify_token": z.string().optional(),
  "hub.challenge": z.string().optional(),
});

const verify = createRoute({
  method: "get",
  path: "/",
  tags: ["Webhooks"],
  summary: "Meta's webhook verification handshake",
  description:
    "Meta calls this once when you save the callback URL: with `hub.mode=subscribe` and a `hub.verify_token` equal to a project's verify token, the answer is `hub.challenge` as plain text; anything else is 403.",
  request: { query: VerifyQuery },
  responses: {
    200: { description: "The challenge, echoed", content: { "text/plain": { schema: z.string() } } },
    ...errorResponses(403),
  },
});

const receive = createRoute({
  method: "post",
  path: "/",
  tags: ["Webhooks"],
  summary: "Receive Meta's webhooks",
  description:
    "Message statuses, inbound messages and template status updates. Verified with `X-Hub-Signature-256` (HMAC-SHA256 of the raw body under the project's app secret); a missing or wrong signature gets 401 and changes nothing. Accepted payloads are queued and answered with 200 at once.",
  responses: {
    200: { description: "Accepted", content: { "application/json": { schema: z.object({ received: z.number() }) } } },
    ...errorResponses(400, 401, 413),
  },
});

export const whatsappWebhooks = router();

whatsappWebhooks.openapi(verify, async (c) => {
  const query = c.req.valid("query");
  const token = query["hub.verify_token"];
  if (query["hub.mode"] === "subscribe" && token && query["hub.challenge"] !== undefined) {
    const match = await c.var.db
      .select({ projectId: whatsappAccounts.projectId })
      .from(whatsappAccounts)
      .where(eq(whatsappAccounts.verifyTokenHash, await sha256Hex(token)))
      .get();
    if (match) return c.text(query["hub.challenge"], 200);
  }
  throw new ApiError("forbidden", "verification failed: unknown verify token or hub.mode is not subscribe");
});

// Declared for the OpenAPI document only: the handler must read the raw bytes, which a JSON
// validator would consume and re-serialise, breaking the signature.
whatsappWebhooks.openAPIRegistry.registerPath(receive);
whatsappWebhooks.post(
  "/",
  bodyLimit({
    maxSize: MAX_WEBHOOK_BYTES,
    onError: () => {
      throw new ApiError("payload_too_large", `webhook body is larger than ${MAX_WEBHOOK_BYTES} bytes`);
    },
  }),
  async (c) => {
    const raw = await c.req.arrayBuffer();
    const signature = c.req.header("x-hub-signature-256");
    if (!signature) throw new ApiError("unauthorized", "missing X-Hub-Signature-256");
    let payload: WebhookPayload;
    try {
      const parsed = WebhookPayloadSchema.safeParse(JSON.parse(new TextDecoder().decode(raw)));
      if (!parsed.success) throw parsed.error;
      payload = parsed.data;
    } catch {
      // Unverifiable either way; say only that it is not a webhook we can check.
      throw new ApiError("unauthorized", "signature does not match any configured WhatsApp account");
    }
    const { config, db } = c.var;
    let projectId: string | null = null;
    for (const verifier of await verifiersFor(db, config, payload)) {
      if (await verifySignature(verifier.key, raw, signature)) {
        projectId = verifier.projectId;
        break;
      }
    }
    if (!projectId) throw new ApiError("unauthorized", "signature does not match any configured WhatsApp account");

    const events: WebhookEventMessage[] = splitForQueue(payload).map((part) => ({
      kind: "whatsapp-webhook",
      source: "meta",
      projectId,
      receivedAt: Date.now(),
      payload: part,
    }));
    for (const batch of batchesOf(events)) await c.env.EVENTS.sendBatch(batch.map((body) => ({ body })));
    return c.json({ received: events.length }, 200);
  },
);
