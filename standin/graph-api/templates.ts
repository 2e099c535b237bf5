// /{version}/{waba-id}/message_templates: create (PENDING, or APPROVED for an account registered
// with autoApprove), list with cursor paging (limit, after, fields, name), and delete every
// language of a name (or one template with hsm_id).
import { graphError, invalidParameter, unauthorized, unknownObject } from "./errors.ts";
import { isObject, json, randomDigits, readJson, str } from "./http.ts";
import { injected, injectedResponse } from "./injections.ts";
import { authorized, type Store, templatesOf } from "./state.ts";
import { checkTemplateDefinition, DEFAULT_FIELDS, formatOf, templateJson, withPresetText } from "./template-rules.ts";
import type { Component, StoredTemplate } from "./types.ts";
import { templateStatusWebhook } from "./webhooks.ts";

export async function messageTemplates(store: Store, request: Request, url: URL, wabaId: string): Promise<Response> {
  const state = store.byWaba.get(wabaId);
  if (!state) return unknownObject(wabaId, request.method);
  if (!authorized(request, url, state.account)) return unauthorized();
  const injection = injected(state, "message_templates");
  if (injection) return injectedResponse(injection);
  const list = templatesOf(store, wabaId);

  if (request.method === "GET") {
    const limit = Math.min(Math.max(Number(url.searchParams.get("limit") ?? 25) || 25, 1), 1000);
    const after = url.searchParams.get("after");
    let start = 0;
    if (after) {
      const decoded = Number(atob(after.replaceAll("-", "+").replaceAll("_", "/")));
      if (!Number.isInteger(decoded) || decoded < 0) return invalidParameter("after: invalid cursor");
      start = decoded;
    }
    const name = url.searchParams.get("name");
    const fields =
      url.searchParams
        .get("fields")
        ?.split(",")
        .map((f) => f.trim()) ?? DEFAULT_FIELDS;
    const matching = name ? list.filter((t) => t.name.includes(name)) : list;
    const page = matching.slice(start, start + limit);
    const cursor = (n: number) => btoa(String(n)).replace(/=+$/, "");
    const result: Record<string, unknown> = { data: page.map((t) => templateJson(t, fields)) };
    if (page.length > 0) {
      const paging: Record<string, unknown> = {
        cursors: { before: cursor(start), after: cursor(start + page.length) },
      };
      if (start + page.length < matching.length) {
        const next = new URL(url);
        next.searchParams.delete("access_token");
        next.searchParams.set("limit", String(limit));
        next.searchParams.set("after", cursor(start + page.length));
        paging.next = next.toString();
      }
      result.paging = paging;
    }
    return json(result);
  }

  if (request.method === "POST") {
    const parsed = await readJson(request);
    if (!parsed.ok || !isObject(parsed.value)) return invalidParameter("the request body must be a JSON object");
    const body = parsed.value;
    const invalid = checkTemplateDefinition(body) ?? checkTtl(body);
    if (invalid) return invalid;
    if (list.some((t) => t.name === body.name && t.language === body.language)) {
      return graphError(100, {
        message: "Invalid parameter",
        subcode: 2388024,
        details: `Content in this language already exists: ${str(body.name)} (${str(body.language)})`,
      });
    }
    const template: StoredTemplate = {
      id: randomDigits(15),
      name: str(body.name),
      language: str(body.language),
      category: str(body.category),
      status: state.account.autoApprove ? "APPROVED" : "PENDING",
      rejectedReason: "NONE",
      components: withPresetText(str(body.category), structuredClone(body.components as Component[])),
      parameterFormat: formatOf(body.parameter_format),
      ...(typeof body.message_send_ttl_seconds === "number" ? { ttlSeconds: body.message_send_ttl_seconds } : {}),
    };
    list.push(template);
    if (state.account.autoApprove) await store.queueWebhook(state, templateStatusWebhook(state.account, template));
    return json({ id: template.id, status: template.status, category: template.category });
  }

  if (request.method === "DELETE") {
    const name = url.searchParams.get("name");
    if (!name) return invalidParameter("name is required", "(#100) The parameter name is required.");
    const hsmId = url.searchParams.get("hsm_id");
    const remaining = list.filter((t) => !(t.name === name && (!hsmId || t.id === hsmId)));
    if (remaining.length === list.length) {
      return graphError(100, {
        message: "Invalid parameter",
        subcode: 2593002,
        details: `Message template "${name}" not found`,
      });
    }
    store.templates.set(wabaId, remaining);
    return json({ success: true });
  }

  return graphError(100, { message: `Unsupported ${request.method.toLowerCase()} request.` });
}

// `message_send_ttl_seconds` ranges by category, as Meta's time-to-live guide gives them; -1 (30
// days) is for authentication and utility templates only.
const TTL_RANGES: Record<string, { min: number; max: number; thirtyDays: boolean }> = {
  AUTHENTICATION: { min: 30, max: 900, thirtyDays: true },
  UTILITY: { min: 30, max: 43_200, thirtyDays: true },
  MARKETING: { min: 43_200, max: 2_592_000, thirtyDays: false },
};

function checkTtl(body: Record<string, unknown>): Response | null {
  const ttl = body.message_send_ttl_seconds;
  if (ttl === undefined || ttl === null) return null;
  const range = TTL_RANGES[str(body.category).toUpperCase()];
  if (!range || typeof ttl !== "number" || !Number.isInteger(ttl)) {
    return invalidParameter("message_send_ttl_seconds must be an integer number of seconds");
  }
  if ((ttl === -1 && range.thirtyDays) || (ttl >= range.min && ttl <= range.max)) return null;
  return invalidParameter(
    `message_send_ttl_seconds must be between ${range.min} and ${range.max} for a ${str(body.category)} template`,
  );
}
