// A stand-in for Meta's Graph API (WhatsApp Cloud API and the message_templates endpoints), written
// once as a Web-standard fetch handler so the same object serves tests in workerd, Node-side
// outbound routing in vitest, and local runs. It checks requests the way Meta does and answers
// with Meta's documented success and error bodies; it never talks to Meta.
//
// Graph endpoints (any version vNN.N):
//   POST   /{version}/{phone-number-id}/messages          template and text sends (the 24-hour
//                                                         window is not tracked: inject 131047
//                                                         with delivery "webhook" to play it)
//   POST   /{version}/{waba-id}/message_templates          create (PENDING, or APPROVED with autoApprove)
//   GET    /{version}/{waba-id}/message_templates          list, cursor paging (limit, after, fields, name)
//   DELETE /{version}/{waba-id}/message_templates?name=    delete every language of a name
//
// Control endpoints (JSON), never part of Meta's API:
//   POST   /__standin/accounts            {phoneNumberId, wabaId, accessToken, appSecret, autoApprove?, displayPhoneNumber?}
//   POST   /__standin/templates           {wabaId, name, language, status, category?, components?, rejectedReason?}
//                                         seeds a template or changes its status; queues a
//                                         message_template_status_update webhook
//   POST   /__standin/errors              {phoneNumberId, code, httpStatus?, mode: "always" | "next" | "every",
//                                          count?, recipient?, endpoint?, retryAfter?, delivery?}
//                                         next: the next `count` matching requests fail;
//                                         every: every `count`-th matching request fails
//   DELETE /__standin/errors?phoneNumberId=
//   GET    /__standin/sends?phoneNumberId=      every send request received, in order
//   POST   /__standin/webhooks/drain?phoneNumberId=  (or ?wabaId=) → [{body, signature}], emptied
//
// Only WebCrypto and fetch-API globals are used: it runs in Node 22 and in workerd alike.

export interface GraphStandInOptions {
  /** When set, every queued webhook is also POSTed here (signed), as Meta would. */
  webhookUrl?: string;
  /** Used to POST webhooks; defaults to the global fetch. */
  fetch?: typeof fetch;
}

export interface QueuedWebhook {
  /** The exact bytes that were signed, as a string. */
  body: string;
  /** The X-Hub-Signature-256 header value: `sha256=<hex>`. */
  signature: string;
}

export interface ReceivedSend {
  wamid: string | null;
  accepted: boolean;
  /** Meta's error code when the request was refused. */
  errorCode: number | null;
  /** The request body as parsed JSON. */
  body: unknown;
  receivedAt: number;
}

export type InjectionMode = "always" | "next" | "every";

export interface ErrorInjection {
  phoneNumberId: string;
  code: number;
  httpStatus?: number;
  mode: InjectionMode;
  /** next: how many requests fail (default 1); every: fail each `count`-th request (default 2). */
  count?: number;
  /** Only sends to this recipient (E.164, with or without the plus). */
  recipient?: string;
  /** Only this endpoint; default: sends and template calls of the account alike. */
  endpoint?: "messages" | "message_templates";
  /** Adds a Retry-After header (seconds) to the error response. */
  retryAfter?: number;
  /**
   * "sync" (default): the request fails with Meta's error body. "webhook": the send is accepted
   * and the error arrives as a `failed` status webhook, as Meta reports most delivery failures.
   */
  delivery?: "sync" | "webhook";
  message?: string;
  details?: string;
}

export interface GraphStandIn {
  fetch(request: Request): Promise<Response>;
  /** Resolves when every webhook POST to `webhookUrl` started so far has finished. */
  settled(): Promise<void>;
}

interface Account {
  phoneNumberId: string;
  wabaId: string;
  accessToken: string;
  appSecret: string;
  autoApprove: boolean;
  displayPhoneNumber: string;
}

interface StoredTemplate {
  id: string;
  name: string;
  language: string;
  category: string;
  status: string;
  rejectedReason: string;
  components: Component[];
}

interface Component {
  type?: unknown;
  format?: unknown;
  text?: unknown;
  example?: unknown;
  buttons?: { type?: unknown; text?: unknown; url?: unknown; phone_number?: unknown; example?: unknown }[];
  sub_type?: unknown;
  index?: unknown;
  parameters?: unknown;
}

interface ActiveInjection extends ErrorInjection {
  id: number;
  seen: number;
  remaining: number;
}

interface AccountState {
  account: Account;
  injections: ActiveInjection[];
  sends: ReceivedSend[];
  webhooks: QueuedWebhook[];
}

// ---------------------------------------------------------------------------------------------
// Meta's error bodies

/** What Meta says for each code the stand-in produces or may be asked to inject. */
const KNOWN_ERRORS: Record<number, { title: string; httpStatus: number; type?: string }> = {
  1: { title: "An unknown error occurred", httpStatus: 500 },
  2: { title: "Service temporarily unavailable", httpStatus: 503 },
  4: { title: "Application request limit reached", httpStatus: 400 },
  100: { title: "Invalid parameter", httpStatus: 400 },
  190: { title: "Invalid OAuth access token - Cannot parse access token", httpStatus: 401 },
  368: { title: "Temporarily blocked for policies violations", httpStatus: 400 },
  80007: { title: "Rate limit issues", httpStatus: 400 },
  130429: { title: "Rate limit hit", httpStatus: 400 },
  131000: { title: "Something went wrong", httpStatus: 500 },
  131008: { title: "Required parameter is missing", httpStatus: 400 },
  131016: { title: "Service unavailable", httpStatus: 503 },
  131026: { title: "Message undeliverable", httpStatus: 400 },
  131031: { title: "Business Account locked", httpStatus: 400 },
  131042: { title: "Business eligibility payment issue", httpStatus: 400 },
  131047: { title: "Re-engagement message", httpStatus: 400 },
  131048: { title: "Spam rate limit hit", httpStatus: 400 },
  131049: {
    title: "This message was not delivered to maintain healthy ecosystem engagement",
    httpStatus: 400,
  },
  131050: { title: "User has stopped marketing messages", httpStatus: 400 },
  131056: { title: "(Business Account, Consumer Account) pair rate limit hit", httpStatus: 400 },
  131057: { title: "Account in maintenance mode", httpStatus: 503 },
  132000: { title: "Number of parameters does not match the expected number of params", httpStatus: 400 },
  132001: { title: "Template name does not exist in the translation", httpStatus: 404 },
  132012: { title: "Parameter format does not match format in the created template", httpStatus: 400 },
  132015: { title: "Template is Paused", httpStatus: 400 },
  132016: { title: "Template is Disabled", httpStatus: 400 },
  133004: { title: "Server temporarily unavailable", httpStatus: 503 },
};

const encoder = new TextEncoder();

function randomDigits(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = String(((bytes[0] ?? 0) % 9) + 1);
  for (let i = 1; i < length; i++) out += String((bytes[i] ?? 0) % 10);
  return out;
}

function randomToken(bytes: number): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  let binary = "";
  for (const b of raw) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

const fbtraceId = () => randomToken(9);

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=UTF-8", ...headers },
  });
}

interface GraphErrorOptions {
  message?: string;
  details?: string;
  subcode?: number;
  httpStatus?: number;
  retryAfter?: number;
  type?: string;
}

/** `{error: {message, type, code, error_subcode?, error_data?, fbtrace_id}}`, as Meta answers. */
function graphError(code: number, options: GraphErrorOptions = {}): Response {
  const known = KNOWN_ERRORS[code];
  const title = known?.title ?? "Error";
  const message = options.message ?? `(#${code}) ${title}`;
  const error: Record<string, unknown> = { message, type: options.type ?? known?.type ?? "OAuthException", code };
  if (options.subcode !== undefined) error.error_subcode = options.subcode;
  // WhatsApp errors carry error_data; Graph's generic auth errors don't.
  if (code !== 190 && code !== 100 && code !== 2500) {
    error.error_data = { messaging_product: "whatsapp", details: options.details ?? title };
  } else if (options.details !== undefined) {
    error.error_data = { messaging_product: "whatsapp", details: options.details };
  }
  error.fbtrace_id = fbtraceId();
  const headers: Record<string, string> = {};
  if (options.retryAfter !== undefined) headers["retry-after"] = String(options.retryAfter);
  return json({ error }, options.httpStatus ?? known?.httpStatus ?? 400, headers);
}

const invalidParameter = (details: string, message = "(#100) Invalid parameter") =>
  graphError(100, { message, details });

// ---------------------------------------------------------------------------------------------
// Signing

async function hmacHex(secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(body)));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// ---------------------------------------------------------------------------------------------
// Template helpers

const upper = (value: unknown) => (typeof value === "string" ? value.toUpperCase() : "");
const str = (value: unknown) => (typeof value === "string" ? value : "");
const digits = (value: string) => value.replace(/\D/g, "");

function placeholderCount(text: string): number {
  let max = 0;
  for (const match of text.matchAll(/\{\{\s*(\d+)\s*\}\}/g)) max = Math.max(max, Number(match[1]));
  return max;
}

/** Meta takes coordinates as numbers or numeric strings. */
const isCoordinate = (value: unknown) =>
  (typeof value === "number" && Number.isFinite(value)) ||
  (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value)));

function findComponent(components: Component[], type: string): Component | undefined {
  return components.find((c) => upper(c.type) === type);
}

function parametersOf(component: Component | undefined): Record<string, unknown>[] {
  return Array.isArray(component?.parameters)
    ? (component.parameters as unknown[]).filter(
        (p): p is Record<string, unknown> => typeof p === "object" && p !== null,
      )
    : [];
}

const MEDIA_FORMATS = ["IMAGE", "VIDEO", "DOCUMENT"];
const CATEGORIES = ["MARKETING", "UTILITY", "AUTHENTICATION"];
const STATUSES = ["APPROVED", "PENDING", "REJECTED", "PAUSED", "DISABLED", "IN_APPEAL", "ARCHIVED"];
const DEFAULT_FIELDS = ["name", "components", "language", "status", "category", "id"];

function templateJson(template: StoredTemplate, fields: string[]): Record<string, unknown> {
  const all: Record<string, unknown> = {
    name: template.name,
    parameter_format: "POSITIONAL",
    components: template.components,
    language: template.language,
    status: template.status,
    category: template.category,
    rejected_reason: template.rejectedReason,
    id: template.id,
  };
  const out: Record<string, unknown> = {};
  for (const field of fields) if (field in all) out[field] = all[field];
  out.id = template.id;
  return out;
}

/** Checks a send's components against the template, as Meta does; null when they match. */
function checkComponents(template: StoredTemplate, components: Component[]): Response | null {
  const templateHeader = findComponent(template.components, "HEADER");
  const templateBody = findComponent(template.components, "BODY");
  const templateButtons = findComponent(template.components, "BUTTONS")?.buttons ?? [];

  // Header
  const header = findComponent(components, "HEADER");
  const headerParams = parametersOf(header);
  const format = upper(templateHeader?.format);
  if (format === "TEXT" || format === "") {
    const expected = format === "TEXT" ? placeholderCount(str(templateHeader?.text)) : 0;
    if (headerParams.length !== expected) {
      return graphError(132000, {
        details: `header: number of localizable_params (${headerParams.length}) does not match the expected number of params (${expected})`,
      });
    }
    for (const param of headerParams) {
      if (upper(param.type) !== "TEXT") {
        return graphError(132012, { details: `header: Format mismatch, expected TEXT, received ${upper(param.type)}` });
      }
    }
  } else {
    const [param] = headerParams;
    const received = upper(param?.type) || "NONE";
    if (headerParams.length !== 1 || received !== format) {
      return graphError(132012, { details: `header: Format mismatch, expected ${format}, received ${received}` });
    }
    const value = param?.[format.toLowerCase()] as Record<string, unknown> | undefined;
    if (MEDIA_FORMATS.includes(format) && !(str(value?.link) || str(value?.id))) {
      return graphError(131008, { details: `header: ${format.toLowerCase()} requires a link or an id` });
    }
    if (format === "LOCATION" && !(isCoordinate(value?.latitude) && isCoordinate(value?.longitude))) {
      return graphError(131008, { details: "header: location requires latitude and longitude" });
    }
  }

  // Body
  const bodyParams = parametersOf(findComponent(components, "BODY"));
  const expectedBody = placeholderCount(str(templateBody?.text));
  if (bodyParams.length !== expectedBody) {
    return graphError(132000, {
      details: `body: number of localizable_params (${bodyParams.length}) does not match the expected number of params (${expectedBody})`,
    });
  }
  for (const param of bodyParams) {
    if (upper(param.type) !== "TEXT" || typeof param.text !== "string") {
      return graphError(132012, { details: `body: Format mismatch, expected TEXT, received ${upper(param.type)}` });
    }
  }

  // Buttons
  const given = new Map<number, Component>();
  for (const component of components) {
    if (upper(component.type) !== "BUTTON") continue;
    const index = Number(component.index);
    if (component.index === undefined || !Number.isInteger(index)) {
      return invalidParameter("buttons: index is required", "(#100) The parameter components['index'] is required.");
    }
    const button = templateButtons[index];
    if (!button) return invalidParameter(`buttons: the template has no button at index ${index}`);
    const subType = upper(component.sub_type);
    const [param] = parametersOf(component);
    if (subType === "QUICK_REPLY") {
      if (upper(button.type) !== "QUICK_REPLY") {
        return invalidParameter(`buttons: button at index ${index} is not a quick reply`);
      }
      if (upper(param?.type) !== "PAYLOAD" || typeof param?.payload !== "string") {
        return graphError(131008, { details: `buttons: quick reply at index ${index} requires a payload parameter` });
      }
    } else if (subType === "URL") {
      if (upper(button.type) !== "URL" || placeholderCount(str(button.url)) === 0) {
        return invalidParameter(`buttons: button at index ${index} takes no url parameter`);
      }
      if (upper(param?.type) !== "TEXT" || !str(param?.text)) {
        return graphError(131008, { details: `buttons: url button at index ${index} requires a text parameter` });
      }
    } else {
      return invalidParameter(`buttons: unsupported sub_type ${str(component.sub_type)}`);
    }
    given.set(index, component);
  }
  for (const [index, button] of templateButtons.entries()) {
    if (upper(button.type) === "URL" && placeholderCount(str(button.url)) > 0 && !given.has(index)) {
      return graphError(131008, { details: `buttons: url button at index ${index} requires a parameter` });
    }
  }
  return null;
}

/** WhatsApp's maximum length of a text message body, in characters. */
const MAX_TEXT_BODY = 4096;

/** Checks a text message's `text` object as Meta does; null when acceptable. */
function checkText(text: unknown): Response | null {
  if (!isObject(text) || typeof text.body !== "string" || text.body === "") {
    return invalidParameter("text.body is required", "(#100) The parameter text['body'] is required.");
  }
  if ([...text.body].length > MAX_TEXT_BODY) {
    return invalidParameter(
      `text.body is longer than ${MAX_TEXT_BODY} characters`,
      `(#100) Param text['body'] must be at most ${MAX_TEXT_BODY} characters long.`,
    );
  }
  if (text.preview_url !== undefined && typeof text.preview_url !== "boolean") {
    return invalidParameter(
      "text.preview_url must be a boolean",
      "(#100) Param text['preview_url'] must be a boolean.",
    );
  }
  return null;
}

/** Checks a template creation the way Meta's review front door does; null when acceptable. */
function checkTemplateDefinition(body: Record<string, unknown>): Response | null {
  for (const field of ["name", "language", "category"]) {
    if (!str(body[field]))
      return invalidParameter(`${field} is required`, `(#100) The parameter ${field} is required.`);
  }
  if (!/^[a-z0-9_]{1,512}$/.test(str(body.name))) {
    return invalidParameter("name may only contain lowercase letters, digits and underscores");
  }
  if (!CATEGORIES.includes(str(body.category))) {
    return invalidParameter(`category must be one of ${CATEGORIES.join(", ")}`);
  }
  if (!Array.isArray(body.components)) {
    return invalidParameter("components is required", "(#100) The parameter components is required.");
  }
  const components = body.components as Component[];
  const bodyComponent = findComponent(components, "BODY");
  if (!bodyComponent || !str(bodyComponent.text)) return invalidParameter("components: a BODY with text is required");
  const bodyCount = placeholderCount(str(bodyComponent.text));
  const bodyExample = (bodyComponent.example as { body_text?: unknown[][] } | undefined)?.body_text?.[0];
  if (bodyCount > 0 && (!Array.isArray(bodyExample) || bodyExample.length !== bodyCount)) {
    return invalidParameter(`components: BODY has ${bodyCount} parameters and needs example.body_text with as many`);
  }
  const header = findComponent(components, "HEADER");
  if (header) {
    const format = upper(header.format);
    if (format !== "TEXT" && format !== "LOCATION" && !MEDIA_FORMATS.includes(format)) {
      return invalidParameter(`components: unknown HEADER format ${format}`);
    }
    const headerExample = header.example as { header_text?: unknown[] } | undefined;
    if (format === "TEXT" && placeholderCount(str(header.text)) > 0 && !headerExample?.header_text?.length) {
      return invalidParameter("components: HEADER has a parameter and needs example.header_text");
    }
  }
  for (const button of findComponent(components, "BUTTONS")?.buttons ?? []) {
    const type = upper(button.type);
    if (!str(button.text)) return invalidParameter("components: every button needs text");
    if (type === "URL") {
      if (!str(button.url)) return invalidParameter("components: URL buttons need a url");
      if (placeholderCount(str(button.url)) > 0 && !(Array.isArray(button.example) && button.example.length > 0)) {
        return invalidParameter("components: a URL button with a parameter needs an example");
      }
    } else if (type === "PHONE_NUMBER") {
      if (!str(button.phone_number)) return invalidParameter("components: PHONE_NUMBER buttons need phone_number");
    } else if (type !== "QUICK_REPLY") {
      return invalidParameter(`components: unsupported button type ${type}`);
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Webhook payloads

function statusWebhook(
  account: Account,
  status: {
    wamid: string;
    status: "sent" | "delivered" | "read" | "failed";
    recipient: string;
    category: string;
    callbackData?: string;
    error?: { code: number; title: string; message: string; details: string };
  },
) {
  const entry: Record<string, unknown> = {
    id: status.wamid,
    status: status.status,
    timestamp: String(Math.floor(Date.now() / 1000)),
    recipient_id: status.recipient,
  };
  if (status.status === "sent" || status.status === "delivered") {
    entry.pricing =
      status.category === "service"
        ? { billable: false, pricing_model: "PMP", type: "free_customer_service", category: "service" }
        : { billable: true, pricing_model: "PMP", type: "regular", category: status.category };
  }
  if (status.callbackData !== undefined) entry.biz_opaque_callback_data = status.callbackData;
  if (status.error) {
    entry.errors = [
      {
        code: status.error.code,
        title: status.error.title,
        message: status.error.message,
        error_data: { details: status.error.details },
      },
    ];
  }
  return {
    object: "whatsapp_business_account",
    entry: [
      {
        id: account.wabaId,
        changes: [
          {
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: account.displayPhoneNumber, phone_number_id: account.phoneNumberId },
              statuses: [entry],
            },
            field: "messages",
          },
        ],
      },
    ],
  };
}

function templateStatusWebhook(account: Account, template: StoredTemplate) {
  const value: Record<string, unknown> = {
    event: template.status,
    message_template_id: Number(template.id),
    message_template_name: template.name,
    message_template_language: template.language,
    reason: template.status === "REJECTED" ? template.rejectedReason || "INVALID_FORMAT" : "NONE",
    message_template_category: template.category,
  };
  if (template.status === "DISABLED") value.disable_info = { disable_date: String(Math.floor(Date.now() / 1000)) };
  if (template.status === "PAUSED") {
    value.other_info = {
      title: "FIRST_PAUSE",
      description: `Your WhatsApp message template has been paused for 3 hours until ${new Date(Date.now() + 3 * 3600_000).toUTCString()} due to low quality.`,
    };
  }
  return {
    object: "whatsapp_business_account",
    entry: [
      {
        id: account.wabaId,
        time: Math.floor(Date.now() / 1000),
        changes: [{ value, field: "message_template_status_update" }],
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// The handler

async function readJson(request: Request): Promise<{ ok: true; value: unknown } | { ok: false }> {
  const text = await request.text();
  if (text === "") return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const controlError = (status: number, message: string) => json({ error: message }, status);

export function createGraphStandIn(options: GraphStandInOptions = {}): GraphStandIn {
  const byPhone = new Map<string, AccountState>();
  const byWaba = new Map<string, AccountState>();
  const templates = new Map<string, StoredTemplate[]>();
  const deliveries = new Set<Promise<void>>();
  let injectionIds = 0;

  async function queueWebhook(state: AccountState, payload: unknown) {
    const body = JSON.stringify(payload);
    const signature = `sha256=${await hmacHex(state.account.appSecret, body)}`;
    state.webhooks.push({ body, signature });
    const url = options.webhookUrl;
    if (!url) return;
    const send = options.fetch ?? fetch;
    const delivery = send(url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": signature },
      body,
    })
      .then((response) => response.body?.cancel())
      .catch(() => {})
      .finally(() => deliveries.delete(delivery));
    deliveries.add(delivery);
  }

  function authorized(request: Request, url: URL, account: Account): boolean {
    const header = request.headers.get("authorization") ?? "";
    const token = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim() ?? url.searchParams.get("access_token") ?? "";
    return token === account.accessToken;
  }

  /** The injection that fails this request, if any; counts the request for every matching one. */
  function injected(state: AccountState, endpoint: "messages" | "message_templates", recipient?: string) {
    let hit: ActiveInjection | undefined;
    for (const injection of state.injections) {
      if (injection.endpoint && injection.endpoint !== endpoint) continue;
      if (injection.recipient && (recipient === undefined || digits(injection.recipient) !== recipient)) continue;
      injection.seen++;
      if (hit) continue;
      if (injection.mode === "always") hit = injection;
      else if (injection.mode === "next" && injection.remaining > 0) hit = injection;
      else if (injection.mode === "every" && injection.seen % (injection.count ?? 2) === 0) hit = injection;
    }
    if (hit?.mode === "next") {
      hit.remaining--;
      if (hit.remaining <= 0) state.injections = state.injections.filter((i) => i !== hit);
    }
    return hit;
  }

  function injectedResponse(injection: ActiveInjection): Response {
    return graphError(injection.code, {
      httpStatus: injection.httpStatus,
      retryAfter: injection.retryAfter,
      message: injection.message,
      details: injection.details,
    });
  }

  function unknownObject(id: string, method: string) {
    return graphError(100, {
      message: `Unsupported ${method.toLowerCase()} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
      subcode: 33,
    });
  }

  const unauthorized = () =>
    graphError(190, { message: "Invalid OAuth access token - Cannot parse access token", httpStatus: 401 });

  // --- Graph: messages ---------------------------------------------------------------------

  async function sendMessage(request: Request, url: URL, phoneNumberId: string): Promise<Response> {
    const state = byPhone.get(phoneNumberId);
    if (!state) return unknownObject(phoneNumberId, "POST");
    if (!authorized(request, url, state.account)) return unauthorized();
    const parsed = await readJson(request);
    const body = parsed.ok ? parsed.value : undefined;
    const record: ReceivedSend = {
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
    const to = typeof body.to === "string" ? digits(body.to) : "";
    const injection = injected(state, "messages", to || undefined);
    if (injection && injection.delivery !== "webhook") return answer(injectedResponse(injection));

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
    if (body.type === "text") {
      const invalid = checkText(body.text);
      if (invalid) return answer(invalid);
      // Free-form replies inside the customer service window are not billed.
      return accept(state, record, injection, {
        recipient: to,
        input: str(body.to),
        category: "service",
        callbackData,
      });
    }
    if (body.type !== "template") {
      return answer(invalidParameter(`the stand-in accepts template and text messages, not ${String(body.type)}`));
    }
    const template = body.template;
    if (!isObject(template) || !str(template.name)) {
      return answer(
        invalidParameter("template.name is required", "(#100) The parameter template['name'] is required."),
      );
    }
    const language = isObject(template.language) ? str(template.language.code) : "";
    if (!language) {
      return answer(
        invalidParameter(
          "template.language.code is required",
          "(#100) The parameter template['language'] is required.",
        ),
      );
    }
    if (template.components !== undefined && !Array.isArray(template.components)) {
      return answer(invalidParameter("template.components must be an array"));
    }

    const stored = (templates.get(state.account.wabaId) ?? []).find(
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
    const mismatch = checkComponents(stored, (template.components ?? []) as Component[]);
    if (mismatch) return answer(mismatch);
    return accept(state, record, injection, {
      recipient: to,
      input: str(body.to),
      category: stored.category.toLowerCase(),
      callbackData,
    });
  }

  /** Records an accepted send, queues its status webhooks and answers as Meta does. */
  async function accept(
    state: AccountState,
    record: ReceivedSend,
    injection: ActiveInjection | undefined,
    send: { recipient: string; input: string; category: string; callbackData: string | undefined },
  ): Promise<Response> {
    const wamid = `wamid.${randomToken(36)}`;
    record.wamid = wamid;
    record.accepted = true;
    const base = { wamid, recipient: send.recipient, category: send.category, callbackData: send.callbackData };
    if (injection) {
      // delivery: "webhook": accepted now, failed later, as Meta reports most delivery failures.
      const known = KNOWN_ERRORS[injection.code];
      const title = injection.message ?? known?.title ?? "Error";
      await queueWebhook(
        state,
        statusWebhook(state.account, {
          ...base,
          status: "failed",
          error: { code: injection.code, title, message: title, details: injection.details ?? title },
        }),
      );
    } else {
      for (const status of ["sent", "delivered", "read"] as const) {
        await queueWebhook(state, statusWebhook(state.account, { ...base, status }));
      }
    }
    return json({
      messaging_product: "whatsapp",
      contacts: [{ input: send.input, wa_id: send.recipient }],
      messages: [{ id: wamid, message_status: "accepted" }],
    });
  }

  // --- Graph: message_templates --------------------------------------------------------------

  async function messageTemplates(request: Request, url: URL, wabaId: string): Promise<Response> {
    const state = byWaba.get(wabaId);
    if (!state) return unknownObject(wabaId, request.method);
    if (!authorized(request, url, state.account)) return unauthorized();
    const injection = injected(state, "message_templates");
    if (injection) return injectedResponse(injection);
    const list = templates.get(wabaId) ?? [];
    templates.set(wabaId, list);

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
      const invalid = checkTemplateDefinition(body);
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
        components: structuredClone(body.components as Component[]),
      };
      list.push(template);
      if (state.account.autoApprove) await queueWebhook(state, templateStatusWebhook(state.account, template));
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
      templates.set(wabaId, remaining);
      return json({ success: true });
    }

    return graphError(100, { message: `Unsupported ${request.method.toLowerCase()} request.` });
  }

  // --- Control -------------------------------------------------------------------------------

  async function control(request: Request, url: URL): Promise<Response> {
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
      return phoneNumberId ? byPhone.get(phoneNumberId) : wabaId ? byWaba.get(wabaId) : undefined;
    };

    if (path === "accounts" && request.method === "POST") {
      const { phoneNumberId, wabaId, accessToken, appSecret } = body;
      if (![phoneNumberId, wabaId, accessToken, appSecret].every((v) => typeof v === "string" && v !== "")) {
        return controlError(400, "phoneNumberId, wabaId, accessToken and appSecret are required strings");
      }
      const account: Account = {
        phoneNumberId: phoneNumberId as string,
        wabaId: wabaId as string,
        accessToken: accessToken as string,
        appSecret: appSecret as string,
        autoApprove: body.autoApprove === true,
        displayPhoneNumber: str(body.displayPhoneNumber) || "15550000000",
      };
      const previous = byPhone.get(account.phoneNumberId) ?? byWaba.get(account.wabaId);
      if (previous) {
        byPhone.delete(previous.account.phoneNumberId);
        byWaba.delete(previous.account.wabaId);
      }
      const state: AccountState = { account, injections: [], sends: [], webhooks: [] };
      byPhone.set(account.phoneNumberId, state);
      byWaba.set(account.wabaId, state);
      return json({ ok: true }, 201);
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
      const list = templates.get(state.account.wabaId) ?? [];
      templates.set(state.account.wabaId, list);
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
        };
        list.push(template);
      } else {
        template.status = status;
        if (body.components !== undefined) template.components = body.components as Component[];
        if (body.category !== undefined) template.category = upper(body.category);
      }
      template.rejectedReason = status === "REJECTED" ? str(body.rejectedReason) || "INVALID_FORMAT" : "NONE";
      await queueWebhook(state, templateStatusWebhook(state.account, template));
      return json({ id: template.id, name, language, status, category: template.category });
    }

    if (path === "errors" && request.method === "POST") {
      const state = stateFor();
      if (!state) return controlError(404, "no account registered for that phoneNumberId");
      const code = body.code;
      const mode = body.mode;
      if (typeof code !== "number" || !Number.isInteger(code)) return controlError(400, "code must be an integer");
      if (mode !== "always" && mode !== "next" && mode !== "every") {
        return controlError(400, 'mode must be "always", "next" or "every"');
      }
      const count = body.count === undefined ? (mode === "every" ? 2 : 1) : body.count;
      if (typeof count !== "number" || !Number.isInteger(count) || count < 1) {
        return controlError(400, "count must be a positive integer");
      }
      if (body.endpoint !== undefined && body.endpoint !== "messages" && body.endpoint !== "message_templates") {
        return controlError(400, 'endpoint must be "messages" or "message_templates"');
      }
      if (body.delivery !== undefined && body.delivery !== "sync" && body.delivery !== "webhook") {
        return controlError(400, 'delivery must be "sync" or "webhook"');
      }
      const injection: ActiveInjection = {
        id: ++injectionIds,
        phoneNumberId: state.account.phoneNumberId,
        code,
        mode,
        count,
        seen: 0,
        remaining: mode === "next" ? count : 0,
        ...(typeof body.httpStatus === "number" ? { httpStatus: body.httpStatus } : {}),
        ...(typeof body.recipient === "string" ? { recipient: body.recipient } : {}),
        ...(typeof body.endpoint === "string" ? { endpoint: body.endpoint as ErrorInjection["endpoint"] } : {}),
        ...(typeof body.retryAfter === "number" ? { retryAfter: body.retryAfter } : {}),
        ...(typeof body.delivery === "string" ? { delivery: body.delivery as ErrorInjection["delivery"] } : {}),
        ...(typeof body.message === "string" ? { message: body.message } : {}),
        ...(typeof body.details === "string" ? { details: body.details } : {}),
      };
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

    if (path === "webhooks/drain" && request.method === "POST") {
      const state = stateFor();
      if (!state) return controlError(404, "no account registered for that phoneNumberId / wabaId");
      const drained = state.webhooks;
      state.webhooks = [];
      return json(drained);
    }

    return controlError(404, `no control endpoint ${request.method} /__standin/${path}`);
  }

  // --- Routing -------------------------------------------------------------------------------

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/__standin" || url.pathname.startsWith("/__standin/")) return control(request, url);
    const parts = url.pathname.split("/").filter(Boolean);
    const [version, id, edge, ...rest] = parts;
    if (!version || !/^v\d+\.\d+$/.test(version) || !id || rest.length > 0) {
      return graphError(2500, { message: `Unknown path components: ${url.pathname}`, httpStatus: 400 });
    }
    if (edge === "messages" && request.method === "POST") return sendMessage(request, url, id);
    if (edge === "message_templates") return messageTemplates(request, url, id);
    return unknownObject(id, request.method);
  }

  return {
    async fetch(request: Request): Promise<Response> {
      try {
        return await handle(request);
      } catch (error) {
        return graphError(1, { message: `An unknown error occurred (stand-in: ${String(error)})` });
      }
    },
    async settled() {
      while (deliveries.size > 0) await Promise.all([...deliveries]);
    },
  };
}
