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
import { phoneNumberIdOf, splitForQueue } from "../../whatsapp/webhook/split";
import { recordWebhookDeadLetters, type WebhookDeadLetter } from "../dead-letters/store";
import { unroutedLetter } from "../dead-letters/unrouted-webhooks";
import { noteWebhookReached } from "./reached";
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
    "Message statuses, inbound messages, preference changes, template and account updates. Verified with `X-Hub-Signature-256` (HMAC-SHA256 of the raw body under the Meta app's secret) before the body is read; a missing or wrong signature gets 401 and changes nothing. A signed POST is never refused for its content: each change is routed to the project that owns its phone number and queued, and what cannot be read or routed (a body that is not JSON, a change without a field, a number no project has) is kept as a dead letter (`GET /v1/admin/dead-letters`) that an operator can replay. The answer is 200 at once, with the count of changes queued and, when there are any, of pieces dead-lettered.",
  responses: {
    200: {
      description: "Accepted",
      content: {
        "application/json": {
          schema: z.object({
            received: z.number().openapi({ description: "Changes (or parts of one) queued for their projects" }),
            deadLettered: z
              .number()
              .optional()
              .openapi({ description: "Pieces kept as dead letters because they could not be read or routed" }),
          }),
        },
      },
    },
    ...errorResponses(401, 413),
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
    if (match) {
      noteWebhookReached(c, [match.projectId]);
      return c.text(query["hub.challenge"], 200);
    }
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
    // Signed: from here on nothing in the body is a reason to refuse it. Meta would retry a refused
    // POST for days and then drop it, with every status and opt-out it carries; what cannot be
    // routed or read is kept as a dead letter an operator can see and replay instead.
    const receivedAt = Date.now();
    const letters: WebhookDeadLetter[] = [];
    const events: EventsBody[] = [];
    const reached = new Set<string>();
    const text = new TextDecoder().decode(raw);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      letters.push(await unroutedLetter({ raw: text }, "the signed body is not JSON", receivedAt));
    }
    if (letters.length === 0) {
      const { parts, unreadable } = splitForQueue(body);
      for (const piece of unreadable) letters.push(await unroutedLetter(piece, piece.reason, receivedAt));
      // Each change goes to the project that owns its number: one POST may speak for several.
      for (const part of parts) {
        const entry = part.entry[0];
        const change = entry?.changes[0];
        if (!entry || !change) continue;
        const phoneNumberId = phoneNumberIdOf(part);
        const projects = projectsFor(app, entry.id, phoneNumberId);
        if (projects.length === 0) {
          const owner = phoneNumberId ? `phone number ${phoneNumberId}` : `WhatsApp Business Account ${entry.id}`;
          log.warn("webhook change for an unknown account", { phoneNumberId, wabaId: entry.id, field: change.field });
          letters.push(
            await unroutedLetter(
              { payload: part },
              `no project owns ${owner} (a \`${change.field}\` change)`,
              receivedAt,
            ),
          );
          continue;
        }
        // Only a change naming the number says Meta's webhook is set up for that account.
        if (phoneNumberId) for (const projectId of projects) reached.add(projectId);
        for (const projectId of projects) {
          events.push({ kind: "whatsapp-webhook", source: "meta", projectId, receivedAt, payload: part });
        }
      }
    }
    await Promise.all([sendEvents(c.env, events), recordWebhookDeadLetters(db, letters, receivedAt)]);
    noteWebhookReached(c, reached, receivedAt);
    if (letters.length > 0) log.warn("webhook pieces kept as dead letters", { deadLettered: letters.length });
    return c.json({ received: events.length, ...(letters.length > 0 ? { deadLettered: letters.length } : {}) }, 200);
  },
);
