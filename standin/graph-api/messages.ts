// POST /{version}/{phone-number-id}/messages: template and text sends, checked as Meta checks
// them, recorded for tests, and answered with Meta's body; an accepted send queues its status
// webhooks. The 24-hour customer service window is not tracked: inject 131047 with delivery
// "webhook" to play it.
import { graphError, invalidParameter, KNOWN_ERRORS, unauthorized, unknownObject } from "./errors.ts";
import { digits, isObject, json, randomToken, readJson, str } from "./http.ts";

// Meta's business-scoped user id: country code, a dot, optionally ENT., then letters and digits.
const BSUID = /^[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}$/;

import { brokenAnswer, injected, injectedResponse } from "./injections.ts";
import { checkComponents, checkText } from "./message-checks.ts";
import { authorized, type Store } from "./state.ts";
import type { AccountState, ActiveInjection, Component, ReceivedSend, StoredTemplate } from "./types.ts";
import { statusWebhook } from "./webhooks.ts";

export async function sendMessage(
  store: Store,
  request: Request,
  url: URL,
  phoneNumberId: string,
  endpoint: "messages" | "marketing_messages" = "messages",
): Promise<Response> {
  const state = store.byPhone.get(phoneNumberId);
  if (!state) return unknownObject(phoneNumberId, "POST");
  if (!authorized(request, url, state.account)) return unauthorized();
  const parsed = await readJson(request);
  const body = parsed.ok ? parsed.value : undefined;
  const record: ReceivedSend = {
    endpoint,
    ttlSeconds: null,
    wamid: null,
    accepted: false,
    errorCode: null,
    body,
    receivedAt: Date.now(),
  };
  state.sends.push(record);
  // Every refusal is recorded with its code, so tests can see what Meta would have answered.
  const answer = async (response: Response) => {
    const error = (await response.clone().json()) as { error?: { code?: number } };
    record.errorCode = error.error?.code ?? null;
    return response;
  };

  if (!parsed.ok || !isObject(body)) return answer(invalidParameter("the request body must be a JSON object"));
  // A phone number as `to`, or a business-scoped user id as `recipient`; `to` wins when both are given.
  const bsuid = typeof body.recipient === "string" && BSUID.test(body.recipient) ? body.recipient : "";
  const to = typeof body.to === "string" ? digits(body.to) : bsuid;
  const matched = injected(state, endpoint, to || undefined);
  // An answer fault takes the send as usual and breaks only the answer (brokenAnswer below).
  const fault = matched?.fault;
  const injection = fault ? undefined : matched;
  if (injection && injection.delivery !== "webhook") return answer(injectedResponse(injection));
  const accept = async (...args: Parameters<typeof acceptSend>) => {
    const taken = await acceptSend(...args);
    return fault ? brokenAnswer(fault, matched?.holdMs, taken) : taken;
  };

  if (body.messaging_product !== "whatsapp") {
    return answer(
      invalidParameter("messaging_product must be whatsapp", "(#100) The parameter messaging_product is required."),
    );
  }
  if (!to) return answer(invalidParameter("to is required", "(#100) The parameter to is required."));
  if (body.recipient_type !== undefined && body.recipient_type !== "individual") {
    return answer(invalidParameter("recipient_type must be individual"));
  }
  if (body.biz_opaque_callback_data !== undefined && typeof body.biz_opaque_callback_data !== "string") {
    return answer(invalidParameter("biz_opaque_callback_data must be a string"));
  }
  const callbackData = body.biz_opaque_callback_data as string | undefined;
  if (endpoint === "marketing_messages") {
    const refused = checkMarketingFields(body);
    if (refused) return answer(refused);
  }
  if (body.type === "text") {
    const invalid = checkText(body.text);
    if (invalid) return answer(invalid);
    // Free-form replies inside the customer service window are not billed.
    return accept(store, state, record, injection, {
      recipient: to,
      input: typeof body.to === "string" ? body.to : bsuid,
      category: "service",
      callbackData,
    });
  }
  if (body.type !== "template") {
    return answer(invalidParameter(`the stand-in accepts template and text messages, not ${String(body.type)}`));
  }
  const template = body.template;
  if (!isObject(template) || !str(template.name)) {
    return answer(invalidParameter("template.name is required", "(#100) The parameter template['name'] is required."));
  }
  const language = isObject(template.language) ? str(template.language.code) : "";
  if (!language) {
    return answer(
      invalidParameter("template.language.code is required", "(#100) The parameter template['language'] is required."),
    );
  }
  if (template.components !== undefined && !Array.isArray(template.components)) {
    return answer(invalidParameter("template.components must be an array"));
  }

  const stored = (store.templates.get(state.account.wabaId) ?? []).find(
    (t) => t.name === template.name && t.language === language,
  );
  if (!stored) {
    return answer(graphError(132001, { details: `template name (${template.name}) does not exist in ${language}` }));
  }
  if (stored.status === "PAUSED") {
    return answer(graphError(132015, { details: `template (${stored.name}) is paused` }));
  }
  if (stored.status === "DISABLED") {
    return answer(graphError(132016, { details: `template (${stored.name}) is disabled` }));
  }
  if (stored.status !== "APPROVED") {
    return answer(
      graphError(132001, { details: `template name (${stored.name}) does not exist in ${language} (not approved)` }),
    );
  }
  if (endpoint === "marketing_messages" && stored.category !== "MARKETING") {
    return answer(
      invalidParameter(
        `template (${stored.name}) is ${stored.category}: the marketing_messages endpoint takes MARKETING templates only`,
      ),
    );
  }
  const mismatch = checkComponents(stored, (template.components ?? []) as Component[]);
  if (mismatch) return answer(mismatch);
  record.ttlSeconds = validityPeriod(stored, endpoint);
  return accept(store, state, record, injection, {
    recipient: to,
    input: typeof body.to === "string" ? body.to : bsuid,
    category: stored.category.toLowerCase(),
    callbackData,
    messageStatus: stored.messageStatus,
  });
}

/** Records an accepted send, queues its status webhooks and answers as Meta does. */
async function acceptSend(
  store: Store,
  state: AccountState,
  record: ReceivedSend,
  injection: ActiveInjection | undefined,
  send: {
    recipient: string;
    input: string;
    category: string;
    callbackData: string | undefined;
    messageStatus?: string;
  },
): Promise<Response> {
  const wamid = `wamid.${randomToken(36)}`;
  record.wamid = wamid;
  record.accepted = true;
  const base = { wamid, recipient: send.recipient, category: send.category, callbackData: send.callbackData };
  if (injection) {
    // delivery: "webhook": accepted now, failed later, as Meta reports most delivery failures.
    const known = KNOWN_ERRORS[injection.code];
    const title = injection.message ?? known?.title ?? "Error";
    await store.queueWebhook(
      state,
      statusWebhook(state.account, {
        ...base,
        status: "failed",
        error: { code: injection.code, title, message: title, details: injection.details ?? title },
      }),
    );
  } else {
    for (const status of ["sent", "delivered", "read"] as const) {
      await store.queueWebhook(state, statusWebhook(state.account, { ...base, status }));
    }
  }
  return json({
    messaging_product: "whatsapp",
    // A send to a BSUID is answered with the user's id, not a wa_id.
    contacts: [
      BSUID.test(send.recipient)
        ? { input: send.input, user_id: send.recipient }
        : { input: send.input, wa_id: send.recipient },
    ],
    messages: [{ id: wamid, message_status: send.messageStatus ?? "accepted" }],
  });
}

/**
 * What only the Marketing Messages API reads: templates only (text and other types are refused),
 * and the optional `message_activity_sharing` and `product_policy`.
 */
function checkMarketingFields(body: Record<string, unknown>): Response | null {
  if (body.type !== "template") {
    return invalidParameter(`the marketing_messages endpoint takes template messages only, not ${String(body.type)}`);
  }
  if (body.message_activity_sharing !== undefined && typeof body.message_activity_sharing !== "boolean") {
    return invalidParameter("message_activity_sharing must be a boolean");
  }
  if (
    body.product_policy !== undefined &&
    body.product_policy !== "CLOUD_API_FALLBACK" &&
    body.product_policy !== "STRICT"
  ) {
    return invalidParameter("product_policy must be CLOUD_API_FALLBACK or STRICT");
  }
  return null;
}

// Meta's defaults by category when a template sets no TTL (its time-to-live guide).
const DEFAULT_TTL_SECONDS: Record<string, number> = {
  AUTHENTICATION: 600,
  UTILITY: 2_592_000,
  MARKETING: 2_592_000,
};

/**
 * The validity period Meta applies to a send of `template`: its own TTL, except for a marketing
 * template sent through /messages, where Meta honours only the default (a marketing template's TTL
 * is a Marketing Messages API feature).
 */
function validityPeriod(template: StoredTemplate, endpoint: "messages" | "marketing_messages"): number {
  const fallback = DEFAULT_TTL_SECONDS[template.category] ?? 2_592_000;
  if (template.category === "MARKETING" && endpoint === "messages") return fallback;
  // -1 asks for 30 days (authentication and utility templates).
  if (template.ttlSeconds === -1) return 2_592_000;
  return template.ttlSeconds ?? fallback;
}
