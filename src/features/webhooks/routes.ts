import { createRoute, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { bodyLimit } from "hono/body-limit";
import { sha256Hex } from "../../platform/crypto";
import { whatsappAccounts } from "../../platform/db/schema";
import { ApiError } from "../../platform/errors";
import { router } from "../../platform/http/context";
import { errorResponses } from "../../platform/http/openapi";
import type { EventsBody } from "../../queues/contracts";
import { sendEvents } from "../../queues/producers";
import { type WebhookPayload, WebhookPayloadSchema } from "../../whatsapp/webhook/payload";
import { splitForQueue } from "../../whatsapp/webhook/split";
import { projectsFor, signingApp } from "./verifiers";

// Meta batches statuses into one POST; its documented ceiling is 3 MB.
export const MAX_WEBHOOK_BYTES = 3 * 1024 * 1024;

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
    "Message statuses, inbound messages and template status updates. Verified with `X-Hub-Signature-256` (HMAC-SHA256 of the raw body under the Meta app's secret) before the body is read; a missing or wrong signature gets 401 and changes nothing, a signed body that is not a webhook payload 400. Each change is routed to the project that owns its phone number, queued, and the POST answered with 200 at once.",
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
    const { config, db, log } = c.var;
    // The signature first, on the raw bytes: nothing of an unsigned body is parsed or looked up.
    const app = await signingApp(db, config.ENCRYPTION_KEY, raw, signature);
    if (!app) throw new ApiError("unauthorized", "signature does not match any configured WhatsApp account");
    let payload: WebhookPayload;
    try {
      const parsed = WebhookPayloadSchema.safeParse(JSON.parse(new TextDecoder().decode(raw)));
      if (!parsed.success) throw parsed.error;
      payload = parsed.data;
    } catch {
      throw new ApiError("validation_failed", "the body is not a WhatsApp webhook payload");
    }
    // Each change goes to the project that owns its number: one POST may speak for several.
    const receivedAt = Date.now();
    const events: EventsBody[] = [];
    for (const part of splitForQueue(payload)) {
      const entry = part.entry[0];
      const change = entry?.changes[0];
      if (!entry || !change) continue;
      const phoneNumberId = change.value.metadata?.phone_number_id;
      const projects = projectsFor(app, entry.id, phoneNumberId);
      if (projects.length === 0) {
        // Signed by a known app, for a number or account no project has here: nothing to apply.
        log.warn("webhook change for an unknown account", { phoneNumberId, wabaId: entry.id, field: change.field });
        continue;
      }
      for (const projectId of projects) {
        events.push({ kind: "whatsapp-webhook", source: "meta", projectId, receivedAt, payload: part });
      }
    }
    await sendEvents(c.env, events);
    return c.json({ received: events.length }, 200);
  },
);
