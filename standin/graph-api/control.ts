// The control endpoints under /__standin/ (JSON, never part of Meta's API): tests register
// accounts, seed templates or change their status, inject errors, and read back what was sent
// and which webhooks were queued.

import { isObject, json, randomDigits, readJson, str, upper } from "./http.ts";
import { injectionFrom } from "./injections.ts";
import { registerAccount, type Store, templatesOf } from "./state.ts";
import { formatOf, STATUSES } from "./template-rules.ts";
import type { Component } from "./types.ts";
import { templateStatusWebhook } from "./webhooks.ts";

const THROUGHPUT_LEVELS = ["STANDARD", "HIGH", "NOT_APPLICABLE"];

const controlError = (status: number, message: string) => json({ error: message }, status);

export async function control(store: Store, request: Request, url: URL): Promise<Response> {
  const path = url.pathname.replace(/^\/__standin\/?/, "").replace(/\/+$/, "");
  let body: Record<string, unknown> = {};
  if (request.method === "POST") {
    const parsed = await readJson(request);
    if (!parsed.ok || (parsed.value !== undefined && !isObject(parsed.value))) {
      return controlError(400, "body must be a JSON object");
    }
    body = (parsed.value as Record<string, unknown> | undefined) ?? {};
  }
  const param = (name: string) => url.searchParams.get(name) ?? str(body[name]);
  const stateFor = () => {
    const phoneNumberId = param("phoneNumberId");
    const wabaId = param("wabaId");
    return phoneNumberId ? store.byPhone.get(phoneNumberId) : wabaId ? store.byWaba.get(wabaId) : undefined;
  };

  if (path === "accounts" && request.method === "POST") {
    const { phoneNumberId, wabaId, accessToken, appSecret } = body;
    if (![phoneNumberId, wabaId, accessToken, appSecret].every((v) => typeof v === "string" && v !== "")) {
      return controlError(400, "phoneNumberId, wabaId, accessToken and appSecret are required strings");
    }
    registerAccount(store, {
      phoneNumberId: phoneNumberId as string,
      wabaId: wabaId as string,
      accessToken: accessToken as string,
      appSecret: appSecret as string,
      autoApprove: body.autoApprove === true,
      displayPhoneNumber: str(body.displayPhoneNumber) || "15550000000",
      throughputLevel: upper(body.throughputLevel) || "STANDARD",
      ...(str(body.messagingLimit) ? { messagingLimit: upper(body.messagingLimit) } : {}),
      ...(str(body.appId) ? { appId: str(body.appId) } : {}),
    });
    return json({ ok: true }, 201);
  }

  if (path === "throughput" && request.method === "POST") {
    const state = stateFor();
    if (!state) return controlError(404, "no account registered for that phoneNumberId");
    const level = upper(body.level);
    if (!THROUGHPUT_LEVELS.includes(level))
      return controlError(400, `level must be one of ${THROUGHPUT_LEVELS.join(", ")}`);
    state.account.throughputLevel = level;
    return json({ level });
  }

  if (path === "messaging-limit" && request.method === "POST") {
    const state = stateFor();
    if (!state) return controlError(404, "no account registered for that phoneNumberId");
    const tier = upper(body.tier);
    if (!/^TIER_(\d+K?|UNLIMITED)$/.test(tier))
      return controlError(400, "tier must be TIER_250, TIER_2K, … or TIER_UNLIMITED");
    state.account.messagingLimit = tier;
    return json({ tier });
  }

  if (path === "templates" && request.method === "POST") {
    const state = stateFor();
    if (!state) return controlError(404, "no account registered for that wabaId / phoneNumberId");
    const name = str(body.name);
    const language = str(body.language);
    const status = upper(body.status);
    if (!name || !language) return controlError(400, "name and language are required");
    if (!STATUSES.includes(status)) return controlError(400, `status must be one of ${STATUSES.join(", ")}`);
    if (body.components !== undefined && !Array.isArray(body.components)) {
      return controlError(400, "components must be an array of Meta template components");
    }
    const list = templatesOf(store, state.account.wabaId);
    let template = list.find((t) => t.name === name && t.language === language);
    if (!template) {
      template = {
        id: randomDigits(15),
        name,
        language,
        category: upper(body.category) || "MARKETING",
        status,
        rejectedReason: "NONE",
        components: (body.components as Component[] | undefined) ?? [{ type: "BODY", text: "Hello" }],
        parameterFormat: formatOf(body.parameter_format),
      };
      list.push(template);
    } else {
      template.status = status;
      if (body.components !== undefined) template.components = body.components as Component[];
      if (body.category !== undefined) template.category = upper(body.category);
      if (body.parameter_format !== undefined) template.parameterFormat = formatOf(body.parameter_format);
    }
    template.rejectedReason = status === "REJECTED" ? str(body.rejectedReason) || "INVALID_FORMAT" : "NONE";
    if (typeof body.messageSendTtlSeconds === "number") template.ttlSeconds = body.messageSendTtlSeconds;
    // What an accepted send of it answers as `message_status` (template pacing): accepted unless set.
    if (body.messageStatus !== undefined) template.messageStatus = str(body.messageStatus) || undefined;
    await store.queueWebhook(state, templateStatusWebhook(state.account, template));
    return json({ id: template.id, name, language, status, category: template.category });
  }

  if (path === "errors" && request.method === "POST") {
    const state = stateFor();
    if (!state) return controlError(404, "no account registered for that phoneNumberId");
    const injection = injectionFrom(body, state.account.phoneNumberId, store.nextInjectionId);
    if (typeof injection === "string") return controlError(400, injection);
    state.injections.push(injection);
    return json({ id: injection.id }, 201);
  }

  if (path === "errors" && request.method === "DELETE") {
    const state = stateFor();
    if (!state) return controlError(404, "no account registered for that phoneNumberId");
    state.injections = [];
    return json({ ok: true });
  }

  if (path === "sends" && request.method === "GET") {
    const state = stateFor();
    if (!state) return controlError(404, "no account registered for that phoneNumberId");
    return json({ data: state.sends });
  }

  if (path === "media" && request.method === "GET") {
    const state = stateFor();
    if (!state) return controlError(404, "no account registered for that phoneNumberId");
    return json({ data: state.media, handles: [...state.handles] });
  }

  if (path === "webhooks/drain" && request.method === "POST") {
    const state = stateFor();
    if (!state) return controlError(404, "no account registered for that phoneNumberId / wabaId");
    const drained = state.webhooks;
    state.webhooks = [];
    return json(drained);
  }

  return controlError(404, `no control endpoint ${request.method} /__standin/${path}`);
}
