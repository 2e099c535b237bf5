import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { requireApiKey } from "../../platform/auth/api-key";
import { sha256Hex } from "../../platform/crypto";
import { ApiError, errorBodyOf, fieldError, toApiError } from "../../platform/errors";
import type { AppEnv } from "../../platform/http/context";
import { router } from "../../platform/http/context";
import { jsonRequest } from "../../platform/http/json-request";
import { ApiKeySecurity, errorResponses, jsonBody, jsonContent } from "../../platform/http/openapi";
import { newMessageId } from "../../platform/ids";
import { toE164 } from "../../platform/phone";
import type { ApiSendJob } from "../../queues/contracts";
import { sendSends } from "../../queues/producers";
import type { HeaderFormat } from "../../whatsapp/provider";
import {
  skipsUsMarketing,
  US_MARKETING_PAUSED_MESSAGE,
  US_MARKETING_PAUSED_REASON,
} from "../../whatsapp/us-marketing-pause";
import { apiDayMessageId } from "../api-days/message-ids";
import { isOptedOut, projectSnapshot } from "../contacts/snapshot";
import { checkMediaUrl } from "../media/check";
import { whatsappMediaId } from "../media/whatsapp-id";
import { loadApiCampaign } from "./lookup";
import { OPTED_OUT_REASON } from "./persist";
import { buildTemplateMessage } from "./send-payload";
import { ApiSendBody, ApiSendResponse } from "./send-schemas";

const MAX_IDEMPOTENCY_KEY = 255;

const send = createRoute({
  method: "post",
  path: "/",
  tags: ["API campaigns"],
  summary: "Send an API campaign's template to one person",
  description: [
    "The API-campaign call of the reference docs, field for field: an integration switches by changing only its base URL.",
    "The answer comes once the message is validated and queued; the contact is created or updated and the message recorded behind the queue (see `GET /v1/messages/{id}`).",
    "Send an `Idempotency-Key` header to make retries safe: within 24 hours the same key returns the first answer and sends nothing new; the same key with a different body is a 409.",
  ].join("\n\n"),
  security: ApiKeySecurity,
  request: {
    headers: z.object({
      "idempotency-key": z
        .string()
        .max(MAX_IDEMPOTENCY_KEY)
        .optional()
        .openapi({ description: "Any unique string per logical request, e.g. a UUID" }),
    }),
    ...jsonBody(ApiSendBody),
  },
  responses: {
    200: jsonContent(ApiSendResponse, "Accepted: queued for sending, or skipped with the reason"),
    ...errorResponses(400, 401, 409, 413),
  },
});

type Accepted = z.infer<typeof ApiSendResponse>;

/**
 * WhatsApp's id of a library file named as `media.file`, once the template is known to take it
 * (otherwise the name is passed on as it is, for the payload's own "leave media out"). Cached per
 * isolate: a send that names a file usually costs no D1 read for it.
 */
async function libraryFile(c: Context<AppEnv>, fileId: string, format: HeaderFormat | undefined) {
  if (format !== "IMAGE" && format !== "VIDEO" && format !== "DOCUMENT") return fileId;
  const { db, config, log } = c.var;
  const deps = { db, config, log, events: c.env.EVENTS, bucket: c.env.FILES };
  try {
    const file = await whatsappMediaId(deps, c.var.principal.projectId, fileId);
    if (file.kind !== format) {
      throw fieldError(
        "media.file",
        `is ${file.kind === "IMAGE" ? "an" : "a"} ${file.kind}; the template's header takes ${format === "IMAGE" ? "an" : "a"} ${format}`,
      );
    }
    return file.id;
  } catch (err) {
    if (err instanceof ApiError && err.code === "not_found")
      throw fieldError("media.file", `no media file ${fileId} in this project`);
    throw err;
  }
}

/**
 * The id of the message a request would send: a slot of its campaign's day when the project keeps
 * API messages in objects (src/features/api-days), else none (a random id is drawn as it is
 * accepted). Drawn before an Idempotency-Key is taken, so the key fixes this id; a request refused
 * or replayed leaves its slot unused, which costs nothing.
 */
async function drawMessageId(c: Context<AppEnv>, campaignName: string): Promise<string | undefined> {
  const { db, config, log } = c.var;
  const { projectId } = c.get("principal");
  const campaign = await loadApiCampaign(db, projectId, campaignName);
  if (!campaign) return undefined;
  try {
    return (await apiDayMessageId(c.env, db, projectId, campaign.id, config.API_MESSAGES)) ?? undefined;
  } catch (err) {
    // The day's object (or its row) cannot be reached now: the send is kept in D1 instead, which
    // every read answers for as well, rather than refused.
    log.warn("no slot of the API day; the message is kept in D1", { campaignId: campaign.id, err });
    return undefined;
  }
}

async function accept(
  c: Context<AppEnv>,
  body: z.infer<typeof ApiSendBody>,
  /** The id an Idempotency-Key fixed, or the request drew; a random one otherwise. */
  messageId = newMessageId(),
): Promise<Accepted> {
  const db = c.get("db");
  const { projectId } = c.get("principal");
  const destination = toE164(String(body.destination));
  if (!destination) {
    throw fieldError(
      "destination",
      "is not a valid phone number (use +<country code><number>; without a country code it is read as Indian)",
    );
  }

  const [campaign, snapshot] = await Promise.all([
    loadApiCampaign(db, projectId, body.campaignName),
    projectSnapshot(db, projectId),
  ]);
  if (!campaign) throw fieldError("campaignName", `no API campaign named "${body.campaignName}" in this project`);
  if (campaign.status !== "live") {
    throw new ApiError(
      "conflict",
      `campaign "${campaign.name}" is paused${campaign.pausedReason ? ` (${campaign.pausedReason})` : ""}: resume it to send`,
      { fields: [{ field: "campaignName", in: "body", message: "campaign is not live" }] },
    );
  }
  const template = campaign.template;
  if (!template) throw new ApiError("conflict", `campaign "${campaign.name}" has no template any more: set one`);
  if (template.status !== "APPROVED") {
    throw new ApiError(
      "conflict",
      `campaign "${campaign.name}" uses template "${template.name}", which is ${template.status} at WhatsApp`,
    );
  }

  const format = template.params.header?.format;
  const media = body.media?.url ? { url: body.media.url, filename: body.media.filename || undefined } : undefined;
  const payload = buildTemplateMessage(destination, template, {
    templateParams: (body.templateParams ?? []).map(String),
    media,
    location: body.location,
    extras: body.media?.file
      ? { ...body, media: { ...body.media, id: await libraryFile(c, body.media.file, format) } }
      : body,
  });
  if (media && (format === "IMAGE" || format === "VIDEO" || format === "DOCUMENT")) {
    const checked = await checkMediaUrl(media.url, format, { devHosts: c.get("config").DEV_MEDIA_HOSTS });
    if (!checked.ok) throw fieldError("media.url", checked.reason);
  }

  const tags = body.tags ?? [];
  const attributes = Object.fromEntries(Object.entries(body.attributes ?? {}).map(([k, v]) => [k, String(v)]));
  const ignored = {
    tags: [...new Set(tags.filter((t) => !snapshot.tags.has(t)))],
    attributes: Object.keys(attributes).filter((a) => !snapshot.attributes.has(a)),
  };
  const optedOut = template.category === "MARKETING" && (await isOptedOut(db, snapshot, projectId, destination));
  // Recorded as skipped, like an opt-out, rather than refused: the request is valid, it is WhatsApp
  // that will not deliver it, and the campaign's results count it with its reason.
  const usPaused = !optedOut && skipsUsMarketing(c.get("config").US_MARKETING_PAUSED, template.category, destination);
  const skipReason = optedOut ? OPTED_OUT_REASON : usPaused ? US_MARKETING_PAUSED_REASON : undefined;

  const job: ApiSendJob = {
    kind: "api-send",
    projectId,
    messageId,
    campaignId: campaign.id,
    templateId: template.id,
    category: template.category,
    contact: {
      number: destination,
      name: body.userName,
      ...(body.source ? { source: body.source } : {}),
      ...(tags.length > 0 ? { tags } : {}),
      ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
    },
    payload,
    ...(skipReason ? { skipReason } : {}),
    acceptedAt: Date.now(),
  };
  // The queue is where the request becomes durable: once this resolves the message cannot be lost.
  await sendSends(c.env, [job]);
  c.get("log").info("api send accepted", { messageId: job.messageId, campaignId: campaign.id, skipReason });
  return {
    success: true,
    message: optedOut
      ? "Contact has opted out of marketing messages; nothing was sent"
      : usPaused
        ? US_MARKETING_PAUSED_MESSAGE
        : "Message accepted",
    submitted_message_id: job.messageId,
    messageId: job.messageId,
    status: skipReason ? "skipped" : "queued",
    skipReason: skipReason ?? null,
    destination,
    ignored,
  };
}

// Hundreds of requests a second come here: validated in one pass rather than by the router's three
// validators, with the same answers, and documented from the same route.
export const apiSendRoutes = router(requireApiKey);
apiSendRoutes.openAPIRegistry.registerPath(send);
apiSendRoutes.post("/", jsonRequest(send), async (c) => {
  const body = c.req.valid("json");
  const key = c.req.valid("header")["idempotency-key"];
  const drawn = await drawMessageId(c, body.campaignName);
  if (!key) return c.json(await accept(c, body, drawn), 200);

  const { projectId } = c.get("principal");
  const stub = c.env.IDEMPOTENCY.get(c.env.IDEMPOTENCY.idFromName(`${projectId}:${key}`));
  const begun = await stub.begin(await fingerprintOf(body), Date.now(), drawn);
  if (begun.kind === "conflict") {
    throw new ApiError("conflict", "this Idempotency-Key was already used with a different request body", {
      fields: [{ field: "idempotency-key", in: "header", message: "already used with a different body" }],
    });
  }
  if (begun.kind === "in_progress") {
    throw new ApiError("conflict", "a request with this Idempotency-Key is still being processed; retry shortly");
  }
  if (begun.kind === "replay") {
    c.header("Idempotent-Replayed", "true");
    // The stored answer may be a refusal (400); it is replayed as it was, status and body.
    return c.json(JSON.parse(begun.body) as Accepted, begun.status as 200);
  }
  let accepted: Accepted;
  try {
    accepted = await accept(c, body, begun.messageId);
  } catch (err) {
    const apiError = toApiError(err);
    // Only a refusal of the body itself is an answer to replay: the same body is refused again. A
    // conflict with the campaign's state (paused, template not approved) or a failure of ours is
    // not, so a retry with the key is judged afresh, under the same message id.
    if (apiError.code === "validation_failed") {
      await stub.complete(apiError.status, JSON.stringify(errorBodyOf(c, apiError)));
    } else {
      await stub.abandon();
    }
    throw err;
  }
  try {
    await stub.complete(200, JSON.stringify(accepted));
  } catch (err) {
    // The message is on the queue: the client is told so. A retry with the key takes it over
    // after IN_PROGRESS_TAKEOVER_MS and enqueues the same message id, which is stored and sent once.
    c.get("log").warn("idempotency key not completed; a retry re-enqueues the same message", {
      messageId: accepted.messageId,
      err,
    });
  }
  return c.json(accepted, 200);
});

/**
 * The body as a canonical string, hashed: keys sorted at every level, and without `apiKey`, since
 * the key may travel in the body or the header and is a credential, never part of "the request".
 */
async function fingerprintOf(body: Record<string, unknown>): Promise<string> {
  const { apiKey: _credential, ...request } = body;
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value !== null && typeof value === "object"
        ? Object.fromEntries(
            Object.keys(value)
              .sort()
              .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
          )
        : value;
  return sha256Hex(JSON.stringify(canonical(request)));
}
