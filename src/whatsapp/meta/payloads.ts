import type {
  ButtonParameter,
  HeaderParameter,
  TemplateButton,
  TemplateCategory,
  TemplateDefinition,
  TemplateHeader,
  TemplateMessage,
  TemplateStatus,
  TextMessage,
} from "../provider";

// The provider-neutral shapes turned into Meta's Graph API bodies, and back. Pure functions, so
// each mapping is tested on its own and the provider only does HTTP.

/** E.164 with the plus → the digits Meta's `to` field takes. */
export const toDigits = (e164: string) => e164.replace(/\D/g, "");

/** The distinct positional placeholders `{{1}}`, `{{2}}`… of a text, as their numbers. */
export function placeholders(text: string): number[] {
  const seen = new Set<number>();
  for (const match of text.matchAll(/\{\{\s*(\d+)\s*\}\}/g)) seen.add(Number(match[1]));
  return [...seen].sort((a, b) => a - b);
}

/** How many values a text's placeholders take: the highest `{{n}}` (Meta numbers them 1…n). */
export const placeholderCount = (text: string) => placeholders(text).at(-1) ?? 0;

// ---------------------------------------------------------------------------------------------
// Sending: POST /{phone-number-id}/messages

export type SendParameter =
  | { type: "text"; text: string }
  | { type: "payload"; payload: string }
  | { type: "image"; image: { link: string } }
  | { type: "video"; video: { link: string } }
  | { type: "document"; document: { link: string; filename?: string } }
  | { type: "location"; location: { latitude: number; longitude: number; name?: string; address?: string } };

export type SendComponent =
  | { type: "header"; parameters: SendParameter[] }
  | { type: "body"; parameters: SendParameter[] }
  | { type: "button"; sub_type: "quick_reply" | "url"; index: string; parameters: SendParameter[] };

export interface SendTemplateBody {
  messaging_product: "whatsapp";
  recipient_type: "individual";
  to: string;
  type: "template";
  template: { name: string; language: { code: string }; components?: SendComponent[] };
  biz_opaque_callback_data?: string;
}

export function headerParameter(header: HeaderParameter): SendParameter {
  switch (header.type) {
    case "text":
      return { type: "text", text: header.text };
    case "image":
      return { type: "image", image: { link: header.link } };
    case "video":
      return { type: "video", video: { link: header.link } };
    case "document":
      return {
        type: "document",
        document: { link: header.link, ...(header.filename !== undefined ? { filename: header.filename } : {}) },
      };
    case "location": {
      const { latitude, longitude, name, address } = header;
      return {
        type: "location",
        location: {
          latitude,
          longitude,
          ...(name !== undefined ? { name } : {}),
          ...(address !== undefined ? { address } : {}),
        },
      };
    }
  }
}

export function buttonComponent(button: ButtonParameter): SendComponent {
  if (button.subType === "quick_reply") {
    return {
      type: "button",
      sub_type: "quick_reply",
      index: String(button.index),
      parameters: [{ type: "payload", payload: button.payload }],
    };
  }
  return {
    type: "button",
    sub_type: "url",
    index: String(button.index),
    parameters: [{ type: "text", text: button.text }],
  };
}

/** The body of a template send, exactly as Meta documents it. `template.category` is not Meta's. */
export function sendTemplateBody(message: TemplateMessage): SendTemplateBody {
  const components: SendComponent[] = [];
  if (message.header) components.push({ type: "header", parameters: [headerParameter(message.header)] });
  if (message.body.length > 0) {
    components.push({ type: "body", parameters: message.body.map((text) => ({ type: "text", text })) });
  }
  for (const button of message.buttons ?? []) components.push(buttonComponent(button));
  return {
    messaging_product: "whatsapp",
    recipient_type: "individual",
    to: toDigits(message.to),
    type: "template",
    template: {
      name: message.template.name,
      language: { code: message.template.language },
      ...(components.length > 0 ? { components } : {}),
    },
    ...(message.callbackData !== undefined ? { biz_opaque_callback_data: message.callbackData } : {}),
  };
}

export interface SendTextBody {
  messaging_product: "whatsapp";
  recipient_type: "individual";
  to: string;
  type: "text";
  text: { body: string; preview_url: boolean };
  biz_opaque_callback_data?: string;
}

/**
 * The body of a session text message, as Meta documents it. Link previews stay off: Meta fetches
 * a previewed URL itself, and a journey's text should read the same whatever it links to.
 */
export function sendTextBody(message: TextMessage): SendTextBody {
  return {
    messaging_product: "whatsapp",
    recipient_type: "individual",
    to: toDigits(message.to),
    type: "text",
    text: { body: message.text, preview_url: false },
    ...(message.callbackData !== undefined ? { biz_opaque_callback_data: message.callbackData } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Templates: POST / GET /{waba-id}/message_templates

export interface MetaTemplateButton {
  type: string;
  text?: string;
  url?: string;
  phone_number?: string;
  example?: string[] | string;
}

export interface MetaTemplateComponent {
  type: string;
  format?: string;
  text?: string;
  example?: { header_text?: string[]; header_handle?: string[]; body_text?: string[][] };
  buttons?: MetaTemplateButton[];
}

export interface CreateTemplateBody {
  name: string;
  language: string;
  category: TemplateCategory;
  components: MetaTemplateComponent[];
}

const sample = (n: number) => `sample ${n}`;

/** A full example URL for a URL button: Meta wants the URL with its `{{1}}` filled in. */
function exampleUrl(url: string, example: string | undefined): string {
  const suffix = example ?? sample(1);
  if (/^https?:\/\//i.test(suffix)) return suffix;
  return url.replace(/\{\{\s*1\s*\}\}/, suffix);
}

function headerComponent(header: TemplateHeader): MetaTemplateComponent {
  if (header.format === "TEXT") {
    const count = placeholderCount(header.text);
    return {
      type: "HEADER",
      format: "TEXT",
      text: header.text,
      ...(count > 0 ? { example: { header_text: [header.example ?? sample(1)] } } : {}),
    };
  }
  if (header.format === "LOCATION") return { type: "HEADER", format: "LOCATION" };
  return {
    type: "HEADER",
    format: header.format,
    ...(header.example !== undefined ? { example: { header_handle: [header.example] } } : {}),
  };
}

function templateButton(button: TemplateButton): MetaTemplateButton {
  switch (button.type) {
    case "QUICK_REPLY":
      return { type: "QUICK_REPLY", text: button.text };
    case "URL":
      return {
        type: "URL",
        text: button.text,
        url: button.url,
        ...(placeholderCount(button.url) > 0 ? { example: [exampleUrl(button.url, button.example)] } : {}),
      };
    case "PHONE_NUMBER":
      return { type: "PHONE_NUMBER", text: button.text, phone_number: button.phoneNumber };
  }
}

/** The body of a template creation. Placeholders without an example get "sample 1", "sample 2"… */
export function createTemplateBody(definition: TemplateDefinition): CreateTemplateBody {
  const components: MetaTemplateComponent[] = [];
  if (definition.header) components.push(headerComponent(definition.header));
  const count = placeholderCount(definition.body.text);
  const examples = Array.from({ length: count }, (_, i) => definition.body.examples?.[i] ?? sample(i + 1));
  components.push({
    type: "BODY",
    text: definition.body.text,
    ...(count > 0 ? { example: { body_text: [examples] } } : {}),
  });
  if (definition.footer) components.push({ type: "FOOTER", text: definition.footer.text });
  if (definition.buttons && definition.buttons.length > 0) {
    components.push({ type: "BUTTONS", buttons: definition.buttons.map(templateButton) });
  }
  return { name: definition.name, language: definition.language, category: definition.category, components };
}

export interface MetaTemplate {
  id?: string | number;
  name?: string;
  language?: string;
  status?: string;
  category?: string;
  rejected_reason?: string | null;
  components?: MetaTemplateComponent[];
}

const CATEGORIES: readonly string[] = ["MARKETING", "UTILITY", "AUTHENTICATION"];

/** Meta's statuses folded into the product's five: anything that cannot be sent is DISABLED. */
export function templateStatus(status: string | undefined): TemplateStatus {
  switch (status?.toUpperCase()) {
    case "APPROVED":
      return "APPROVED";
    case "PENDING":
    case "IN_APPEAL":
      return "PENDING";
    case "REJECTED":
      return "REJECTED";
    case "PAUSED":
      return "PAUSED";
    default:
      // DISABLED, PENDING_DELETION, DELETED, ARCHIVED, LIMIT_EXCEEDED…
      return "DISABLED";
  }
}

export function templateCategory(category: string | undefined): TemplateCategory {
  const upper = category?.toUpperCase() ?? "";
  return (CATEGORIES.includes(upper) ? upper : "UTILITY") as TemplateCategory;
}

/** The suffix part of an example URL, given the button's URL with its `{{1}}`. */
function exampleSuffix(url: string, example: string): string {
  const [prefix] = url.split(/\{\{\s*1\s*\}\}/);
  return prefix !== undefined && prefix !== url && example.startsWith(prefix) ? example.slice(prefix.length) : example;
}

function definitionButton(button: MetaTemplateButton): TemplateButton | null {
  const text = button.text ?? "";
  switch (button.type?.toUpperCase()) {
    case "QUICK_REPLY":
      return { type: "QUICK_REPLY", text };
    case "URL": {
      const url = button.url ?? "";
      const raw = Array.isArray(button.example) ? button.example[0] : button.example;
      return { type: "URL", text, url, ...(raw !== undefined ? { example: exampleSuffix(url, raw) } : {}) };
    }
    case "PHONE_NUMBER":
      return { type: "PHONE_NUMBER", text, phoneNumber: button.phone_number ?? "" };
    default:
      // COPY_CODE, FLOW, OTP… are not part of the product's definitions.
      return null;
  }
}

function definitionHeader(component: MetaTemplateComponent): TemplateHeader | undefined {
  switch (component.format?.toUpperCase()) {
    case "TEXT": {
      const example = component.example?.header_text?.[0];
      return { format: "TEXT", text: component.text ?? "", ...(example !== undefined ? { example } : {}) };
    }
    case "IMAGE":
    case "VIDEO":
    case "DOCUMENT": {
      const format = component.format.toUpperCase() as "IMAGE" | "VIDEO" | "DOCUMENT";
      const example = component.example?.header_handle?.[0];
      return { format, ...(example !== undefined ? { example } : {}) };
    }
    case "LOCATION":
      return { format: "LOCATION" };
    default:
      return undefined;
  }
}

/** One of Meta's templates as the product defines it. */
export function templateDefinition(template: MetaTemplate): TemplateDefinition {
  const definition: TemplateDefinition = {
    name: template.name ?? "",
    language: template.language ?? "",
    category: templateCategory(template.category),
    body: { text: "" },
  };
  for (const component of template.components ?? []) {
    switch (component.type?.toUpperCase()) {
      case "HEADER": {
        const header = definitionHeader(component);
        if (header) definition.header = header;
        break;
      }
      case "BODY": {
        const examples = component.example?.body_text?.[0];
        definition.body = { text: component.text ?? "", ...(examples ? { examples: [...examples] } : {}) };
        break;
      }
      case "FOOTER":
        definition.footer = { text: component.text ?? "" };
        break;
      case "BUTTONS": {
        const buttons = (component.buttons ?? []).map(definitionButton).filter((b) => b !== null);
        if (buttons.length > 0) definition.buttons = buttons;
        break;
      }
    }
  }
  return definition;
}
