import { withTimeLimit } from "../../platform/time-limit";
import { classifyMetaError, isTimeout, networkError, timeoutError, unexpectedResponse } from "../errors";
import {
  type Accepted,
  expiredMessage,
  type MediaUpload,
  type ProviderError,
  type RemoteTemplate,
  type Result,
  type TemplateDefinition,
  type TemplateMessage,
  type TemplateStatus,
  type TextMessage,
  type ThroughputLevel,
  type WhatsAppProvider,
} from "../provider";
import { marketingMessageBody, type SendEdge, templateEdge } from "./marketing-messages";
import { sendTemplateBody, sendTextBody } from "./send-payloads";
import { type MetaTemplate, templateDefinition, templateStatus } from "./template-answers";
import { createTemplateBody } from "./template-payloads";
import { validityPeriod } from "./validity-period";

export interface MetaProviderOptions {
  /** e.g. https://graph.facebook.com (no trailing slash needed) */
  baseUrl: string;
  /** e.g. v26.0 */
  version: string;
  phoneNumberId: string;
  wabaId: string;
  accessToken: string;
  /** Onboarded to the Marketing Messages API: marketing templates go to /marketing_messages. */
  marketingMessagesApi?: boolean;
  /** The Meta app's id: template media examples are uploaded through it. */
  appId?: string | null;
  /** Injected for tests and benchmarks; defaults to the global fetch. */
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
/** A media upload carries up to 16 MB: it may take longer than a message. */
export const UPLOAD_TIMEOUT_MS = 60_000;
/** Meta's page size for message_templates; listing follows `paging` until there is no next page. */
export const TEMPLATE_PAGE_SIZE = 100;
// rejected_reason is not among the fields Meta returns by default.
const TEMPLATE_FIELDS = "id,name,language,status,category,components,rejected_reason,parameter_format";
// A WhatsApp Business Account holds at most a few thousand templates; this only stops a cursor loop.
const MAX_TEMPLATE_PAGES = 1_000;

type Call = { ok: true; status: number; json: unknown } | { ok: false; error: ProviderError };

const fail = (error: ProviderError) => ({ ok: false as const, error });

/** WhatsApp Cloud API through Meta's Graph API. Provider errors come back as results, never thrown. */
export class MetaProvider implements WhatsAppProvider {
  readonly kind = "meta";

  constructor(readonly options: MetaProviderOptions) {}

  private url(path: string, query?: Record<string, string>): string {
    const base = this.options.baseUrl.replace(/\/+$/, "");
    const search = query ? `?${new URLSearchParams(query)}` : "";
    return `${base}/${this.options.version}/${path}${search}`;
  }

  /** One Graph API call: JSON in, JSON out, every failure (HTTP, network, time limit) classified. */
  private async call(
    method: string,
    url: string,
    body?: unknown,
    timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    extraHeaders: Record<string, string> = {},
  ): Promise<Call> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.accessToken}`, ...extraHeaders };
    // A form (the media upload) sets its own multipart type and boundary; bytes go as they are.
    const form = body instanceof FormData || body instanceof Uint8Array;
    if (body !== undefined && !form) headers["content-type"] = "application/json";
    type Answer = { response: Response; text: string } | { error: ProviderError };
    // Called unbound on purpose: workerd's fetch throws "Illegal invocation" when called as a method.
    const injected = this.options.fetch;
    const answered = await withTimeLimit(timeoutMs, async (signal): Promise<Answer> => {
      const init = {
        method,
        headers,
        body: body === undefined || form ? (body as FormData | Uint8Array | undefined) : JSON.stringify(body),
        signal,
      };
      try {
        // The runtime's fetch ends the call and its body when the signal aborts. An injected fetch
        // may ignore the signal: it races it, so the time limit holds regardless. Only then, as
        // the race costs promises and a listener on the path every send takes.
        if (!injected) {
          const response = await fetch(url, init);
          return { response, text: await response.text() };
        }
        const aborted = new Promise<never>((_, reject) => {
          if (signal.aborted) reject(signal.reason);
          signal.addEventListener("abort", () => reject(signal.reason), { once: true });
        });
        aborted.catch(() => {});
        const response = await Promise.race([injected(url, init), aborted]);
        const text = await Promise.race([response.text(), aborted]);
        return { response, text };
      } catch (cause) {
        return { error: isTimeout(cause) || signal.aborted ? timeoutError(timeoutMs) : networkError(cause) };
      }
    });
    if ("error" in answered) return fail(answered.error);
    const { response, text } = answered;
    let json: unknown;
    try {
      json = text === "" ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!response.ok) return fail(classifyMetaError(response.status, json, response.headers.get("retry-after")));
    if (json === undefined) return fail(unexpectedResponse(response.status, "a JSON body"));
    return { ok: true, status: response.status, json };
  }

  async sendTemplate(message: TemplateMessage): Promise<Result<Accepted>> {
    const expired = expiredMessage(message);
    if (expired) return expired;
    const edge = templateEdge(message, this.options.marketingMessagesApi === true);
    const body = edge === "marketing_messages" ? marketingMessageBody(message) : sendTemplateBody(message);
    return this.sendMessage(body, edge);
  }

  async sendText(message: TextMessage): Promise<Result<{ wamid: string }>> {
    return this.sendMessage(sendTextBody(message));
  }

  /**
   * POST /{phone-number-id}/messages (or /marketing_messages), whatever the message type: Meta
   * answers every type and both endpoints alike, and its errors are classified the same way.
   */
  private async sendMessage(body: unknown, edge: SendEdge = "messages"): Promise<Result<Accepted>> {
    const result = await this.call("POST", this.url(`${this.options.phoneNumberId}/${edge}`), body);
    if (!result.ok) return result;
    const answered = (result.json as { messages?: { id?: unknown; message_status?: unknown }[] }).messages?.[0];
    const wamid = answered?.id;
    if (typeof wamid !== "string" || wamid === "") return fail(unexpectedResponse(result.status, "messages[0].id"));
    const status = answered?.message_status;
    // Only what is not a plain acceptance is kept: it changes what follows (src/features/delivery).
    return typeof status === "string" && status !== "" && status.toLowerCase() !== "accepted"
      ? { ok: true, wamid, messageStatus: status.toLowerCase() }
      : { ok: true, wamid };
  }

  async createTemplate(
    definition: TemplateDefinition,
  ): Promise<Result<{ providerTemplateId: string; status: TemplateStatus; rejectedReason: string | null }>> {
    const result = await this.call("POST", this.url(`${this.options.wabaId}/message_templates`), {
      ...createTemplateBody(definition),
      ...validityPeriod(definition),
    });
    if (!result.ok) return result;
    const created = result.json as { id?: unknown; status?: unknown };
    if ((typeof created.id !== "string" && typeof created.id !== "number") || created.id === "") {
      return fail(unexpectedResponse(result.status, "a template id"));
    }
    return {
      ok: true,
      providerTemplateId: String(created.id),
      status: templateStatus(typeof created.status === "string" ? created.status : "PENDING"),
      rejectedReason: null,
    };
  }

  async listTemplates(): Promise<Result<{ templates: RemoteTemplate[] }>> {
    const templates: RemoteTemplate[] = [];
    const seen = new Set<string>();
    let url: string | undefined = this.url(`${this.options.wabaId}/message_templates`, {
      limit: String(TEMPLATE_PAGE_SIZE),
      fields: TEMPLATE_FIELDS,
    });
    for (let page = 0; url !== undefined && page < MAX_TEMPLATE_PAGES; page++) {
      const result = await this.call("GET", url);
      if (!result.ok) return result;
      const json = result.json as {
        data?: MetaTemplate[];
        paging?: { cursors?: { after?: string }; next?: string };
      };
      for (const template of json.data ?? []) {
        templates.push({
          providerTemplateId: String(template.id ?? ""),
          status: templateStatus(template.status),
          rejectedReason: rejectedReason(template.rejected_reason),
          definition: templateDefinition(template),
        });
      }
      // Meta omits `next` on the last page; `after` alone does not mean there is more.
      const after = json.paging?.cursors?.after;
      const next = json.paging?.next;
      url = undefined;
      if (next && after && !seen.has(after)) {
        seen.add(after);
        url = this.url(`${this.options.wabaId}/message_templates`, {
          limit: String(TEMPLATE_PAGE_SIZE),
          fields: TEMPLATE_FIELDS,
          after,
        });
      } else if (next && !after && !seen.has(next)) {
        seen.add(next);
        url = next;
      }
    }
    return { ok: true, templates };
  }

  async deleteTemplate(name: string, providerTemplateId?: string | null): Promise<Result<object>> {
    const query: Record<string, string> = providerTemplateId ? { name, hsm_id: providerTemplateId } : { name };
    const result = await this.call("DELETE", this.url(`${this.options.wabaId}/message_templates`, query));
    if (!result.ok) return result;
    return { ok: true };
  }

  /**
   * POST /{phone-number-id}/media, a multipart form: Meta keeps the file for 30 days and answers
   * its id. A file takes longer to send than a message, so the call gets a longer time limit.
   */
  async uploadMedia(file: MediaUpload): Promise<Result<{ id: string }>> {
    const form = new FormData();
    form.set("messaging_product", "whatsapp");
    form.set("type", file.contentType);
    form.set("file", new Blob([file.bytes], { type: file.contentType }), file.filename);
    const timeoutMs = Math.max(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS, UPLOAD_TIMEOUT_MS);
    const result = await this.call("POST", this.url(`${this.options.phoneNumberId}/media`), form, timeoutMs);
    if (!result.ok) return result;
    const id = (result.json as { id?: unknown }).id;
    if (typeof id !== "string" || id === "") return fail(unexpectedResponse(result.status, "id"));
    return { ok: true, id };
  }

  /**
   * A file handle for a template's media example (`example.header_handle`), through Meta's
   * Resumable Upload API: open a session on the app (`POST /{app-id}/uploads`), then send the bytes
   * to it in one piece (`POST /{upload-session-id}`, `file_offset: 0`), which answers the handle.
   */
  async uploadTemplateExample(file: MediaUpload): Promise<Result<{ handle: string }>> {
    const appId = this.options.appId;
    if (!appId) {
      // "account": a person must fix the account's settings; the API answers 409 not_configured.
      return fail({
        class: "account",
        code: null,
        title: "No Meta app id",
        message:
          "an image template needs an example uploaded through the Meta app: set the account's appId with PUT /v1/admin/projects/{projectId}/whatsapp",
        httpStatus: null,
      });
    }
    const bytes = file.bytes instanceof Uint8Array ? file.bytes : new Uint8Array(file.bytes);
    const query = { file_name: file.filename, file_length: String(bytes.byteLength), file_type: file.contentType };
    const timeoutMs = Math.max(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS, UPLOAD_TIMEOUT_MS);
    const session = await this.call("POST", this.url(`${appId}/uploads`, query));
    if (!session.ok) return session;
    const id = (session.json as { id?: unknown }).id;
    if (typeof id !== "string" || !id.startsWith("upload:")) return fail(unexpectedResponse(session.status, "id"));
    // Meta's reference sends this step's token as `OAuth`, not `Bearer`.
    const sent = await this.call("POST", this.url(id), bytes, timeoutMs, {
      authorization: `OAuth ${this.options.accessToken}`,
      file_offset: "0",
    });
    if (!sent.ok) return sent;
    const handle = (sent.json as { h?: unknown }).h;
    if (typeof handle !== "string" || handle === "") return fail(unexpectedResponse(sent.status, "h"));
    return { ok: true, handle };
  }

  async readNumber(): Promise<Result<{ level: ThroughputLevel; messagingLimit: string | null }>> {
    const result = await this.call(
      "GET",
      this.url(this.options.phoneNumberId, { fields: "throughput,whatsapp_business_manager_messaging_limit" }),
    );
    if (!result.ok) return result;
    const node = result.json as {
      throughput?: { level?: unknown };
      whatsapp_business_manager_messaging_limit?: unknown;
    };
    const level = node.throughput?.level;
    if (typeof level !== "string" || level === "") return fail(unexpectedResponse(result.status, "throughput.level"));
    const limit = node.whatsapp_business_manager_messaging_limit;
    return {
      ok: true,
      level: level.toUpperCase(),
      // Kept as Meta wrote it (a tier such as TIER_2K); the reader normalizes it.
      messagingLimit: typeof limit === "string" || typeof limit === "number" ? String(limit) : null,
    };
  }
}

/** Meta reports "NONE" (or nothing) for templates that were not rejected. */
function rejectedReason(reason: unknown): string | null {
  return typeof reason === "string" && reason !== "" && reason !== "NONE" ? reason : null;
}
