// Templates as Meta stores and shows them: reading components and placeholders, the fields a
// listing returns, and the checks Meta runs when a template is created.
import { invalidParameter } from "./errors.ts";
import { str, upper } from "./http.ts";
import type { Component, StoredTemplate, TemplateButtonJson } from "./types.ts";

export function placeholderCount(text: string): number {
  let max = 0;
  for (const match of text.matchAll(/\{\{\s*(\d+)\s*\}\}/g)) max = Math.max(max, Number(match[1]));
  return max;
}

/** A NAMED template's distinct `{{name}}` placeholders, in order of first appearance. */
export function placeholderNames(text: string): string[] {
  return [...new Set([...text.matchAll(/\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}/g)].map((m) => m[1] ?? ""))];
}

export type ParameterFormat = StoredTemplate["parameterFormat"];

export const formatOf = (value: unknown): ParameterFormat => (upper(value) === "NAMED" ? "NAMED" : "POSITIONAL");

/** What a send must supply for a text: the highest `{{n}}`, or the number of distinct names. */
export const parameterCount = (text: string, format: ParameterFormat) =>
  format === "NAMED" ? placeholderNames(text).length : placeholderCount(text);

/**
 * Meta writes an authentication template's body and footer itself from the preset parts it was
 * created with (English wording here), so that a listing shows the text a send fills.
 */
export function withPresetText(category: string, components: Component[]): Component[] {
  if (category !== "AUTHENTICATION") return components;
  return components.map((component) => {
    const type = upper(component.type);
    if (type === "BODY" && !str(component.text)) {
      const note = component.add_security_recommendation === true ? " For your security, do not share this code." : "";
      return { ...component, text: `*{{1}}* is your verification code.${note}` };
    }
    if (type === "FOOTER" && typeof component.code_expiration_minutes === "number" && !str(component.text)) {
      return { ...component, text: `This code expires in ${component.code_expiration_minutes} minutes.` };
    }
    return component;
  });
}

/** Meta takes coordinates as numbers or numeric strings. */
export const isCoordinate = (value: unknown) =>
  (typeof value === "number" && Number.isFinite(value)) ||
  (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value)));

export function findComponent(components: Component[], type: string): Component | undefined {
  return components.find((c) => upper(c.type) === type);
}

export function parametersOf(component: Component | undefined): Record<string, unknown>[] {
  return Array.isArray(component?.parameters)
    ? (component.parameters as unknown[]).filter(
        (p): p is Record<string, unknown> => typeof p === "object" && p !== null,
      )
    : [];
}

export const MEDIA_FORMATS = ["IMAGE", "VIDEO", "DOCUMENT"];
const CATEGORIES = ["MARKETING", "UTILITY", "AUTHENTICATION"];
export const STATUSES = ["APPROVED", "PENDING", "REJECTED", "PAUSED", "DISABLED", "IN_APPEAL", "ARCHIVED"];
export const DEFAULT_FIELDS = ["name", "components", "language", "status", "category", "id"];

export function templateJson(template: StoredTemplate, fields: string[]): Record<string, unknown> {
  const all: Record<string, unknown> = {
    name: template.name,
    parameter_format: template.parameterFormat,
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

const isArray = (value: unknown): value is unknown[] => Array.isArray(value);
const OTP_TYPES = ["COPY_CODE", "ONE_TAP", "ZERO_TAP"];
const BUTTON_TYPES = ["QUICK_REPLY", "URL", "PHONE_NUMBER", "COPY_CODE", "FLOW", "CATALOG", "MPM", "OTP"];

/** Examples Meta asks for: one per placeholder, positional (`body_text`) or by name (`*_named_params`). */
function exampleIssue(component: Component, where: "BODY" | "HEADER", format: ParameterFormat): Response | null {
  const text = str(component.text);
  const example = (component.example ?? {}) as Record<string, unknown>;
  if (format === "NAMED") {
    if (/\{\{\s*\d+\s*\}\}/.test(text)) {
      return invalidParameter(`components: ${where} has positional placeholders but parameter_format is NAMED`);
    }
    const names = placeholderNames(text);
    if (names.length === 0) return null;
    const key = where === "BODY" ? "body_text_named_params" : "header_text_named_params";
    const given = isArray(example[key]) ? (example[key] as { param_name?: unknown; example?: unknown }[]) : [];
    for (const name of names) {
      if (!given.some((e) => e.param_name === name && str(e.example))) {
        return invalidParameter(`components: ${where} needs example.${key} for {{${name}}}`);
      }
    }
    return null;
  }
  if (placeholderNames(text).length > 0) {
    return invalidParameter(`components: ${where} has named placeholders but parameter_format is POSITIONAL`);
  }
  const count = placeholderCount(text);
  if (count === 0) return null;
  if (where === "BODY") {
    const first = isArray(example.body_text) ? (example.body_text as unknown[])[0] : undefined;
    if (!isArray(first) || first.length !== count) {
      return invalidParameter(`components: BODY has ${count} parameters and needs example.body_text with as many`);
    }
  } else if (!isArray(example.header_text) || example.header_text.length === 0) {
    return invalidParameter("components: HEADER has a parameter and needs example.header_text");
  }
  return null;
}

function buttonIssue(button: TemplateButtonJson, category: string): Response | null {
  const type = upper(button.type);
  if (!BUTTON_TYPES.includes(type)) return invalidParameter(`components: unsupported button type ${type}`);
  if (type !== "COPY_CODE" && type !== "OTP" && !str(button.text)) {
    return invalidParameter("components: every button needs text");
  }
  if ((type === "OTP") !== (category === "AUTHENTICATION")) {
    return invalidParameter("components: OTP buttons are for AUTHENTICATION templates, which have no other buttons");
  }
  switch (type) {
    case "URL":
      if (!str(button.url)) return invalidParameter("components: URL buttons need a url");
      if (placeholderCount(str(button.url)) > 0 && !(isArray(button.example) && button.example.length > 0)) {
        return invalidParameter("components: a URL button with a parameter needs an example");
      }
      return null;
    case "PHONE_NUMBER":
      return str(button.phone_number) ? null : invalidParameter("components: PHONE_NUMBER buttons need phone_number");
    case "COPY_CODE": {
      const example = isArray(button.example) ? button.example[0] : button.example;
      if (!str(example) || str(example).length > 15) {
        return invalidParameter("components: a COPY_CODE button needs an example of at most 15 characters");
      }
      return null;
    }
    case "FLOW":
      return str(button.flow_id) || typeof button.flow_id === "number"
        ? null
        : invalidParameter("components: a FLOW button needs flow_id");
    case "OTP": {
      const otpType = upper(button.otp_type);
      if (!OTP_TYPES.includes(otpType))
        return invalidParameter(`components: otp_type must be one of ${OTP_TYPES.join(", ")}`);
      if (otpType !== "COPY_CODE" && !(isArray(button.supported_apps) && button.supported_apps.length > 0)) {
        return invalidParameter(`components: a ${otpType} OTP button needs supported_apps`);
      }
      if (otpType === "ZERO_TAP" && button.zero_tap_terms_accepted !== true) {
        return invalidParameter("components: a ZERO_TAP OTP button needs zero_tap_terms_accepted");
      }
      return null;
    }
    default:
      return null;
  }
}

function buttonsIssue(buttons: TemplateButtonJson[], category: string): Response | null {
  if (buttons.length > 10) return invalidParameter("components: at most 10 buttons");
  const count = (type: string) => buttons.filter((b) => upper(b.type) === type).length;
  if (count("URL") > 2 || count("PHONE_NUMBER") > 1 || count("COPY_CODE") > 1 || count("FLOW") > 1) {
    return invalidParameter("components: at most 2 URL, 1 PHONE_NUMBER, 1 COPY_CODE and 1 FLOW button");
  }
  for (const button of buttons) {
    const issue = buttonIssue(button, category);
    if (issue) return issue;
  }
  return null;
}

function carouselIssue(component: Component, format: ParameterFormat): Response | null {
  const cards = isArray(component.cards) ? (component.cards as { components?: Component[] }[]) : [];
  if (cards.length < 2 || cards.length > 10) return invalidParameter("components: a CAROUSEL has 2 to 10 cards");
  for (const card of cards) {
    const parts = isArray(card.components) ? card.components : [];
    const header = findComponent(parts, "HEADER");
    if (!header || !["IMAGE", "VIDEO"].includes(upper(header.format))) {
      return invalidParameter("components: every carousel card needs an IMAGE or VIDEO header");
    }
    const body = findComponent(parts, "BODY");
    if (!body || !str(body.text) || str(body.text).length > 160) {
      return invalidParameter("components: every carousel card needs a BODY of at most 160 characters");
    }
    const bodyIssue = exampleIssue(body, "BODY", format);
    if (bodyIssue) return bodyIssue;
    const buttons = findComponent(parts, "BUTTONS")?.buttons ?? [];
    if (buttons.length < 1 || buttons.length > 2)
      return invalidParameter("components: every carousel card has 1 or 2 buttons");
    const issue = buttonsIssue(buttons, "MARKETING");
    if (issue) return issue;
  }
  return null;
}

/** Checks a template creation the way Meta's review front door does; null when acceptable. */
export function checkTemplateDefinition(body: Record<string, unknown>): Response | null {
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
  if (body.parameter_format !== undefined && !["POSITIONAL", "NAMED"].includes(upper(body.parameter_format))) {
    return invalidParameter("parameter_format must be POSITIONAL or NAMED");
  }
  if (!Array.isArray(body.components)) {
    return invalidParameter("components is required", "(#100) The parameter components is required.");
  }
  const category = str(body.category);
  const format = formatOf(body.parameter_format);
  const components = body.components as Component[];
  const bodyComponent = findComponent(components, "BODY");
  const buttons = findComponent(components, "BUTTONS")?.buttons ?? [];
  if (category === "AUTHENTICATION") {
    // Meta writes the body itself; a template brings only its preset choices and one OTP button.
    if (!bodyComponent || str(bodyComponent.text)) {
      return invalidParameter("components: an AUTHENTICATION BODY takes add_security_recommendation, not text");
    }
    if (findComponent(components, "HEADER"))
      return invalidParameter("components: AUTHENTICATION templates have no HEADER");
    const minutes = findComponent(components, "FOOTER")?.code_expiration_minutes;
    if (minutes !== undefined && !(Number.isInteger(minutes) && Number(minutes) >= 1 && Number(minutes) <= 90)) {
      return invalidParameter("components: code_expiration_minutes must be 1 to 90");
    }
    if (buttons.length !== 1)
      return invalidParameter("components: AUTHENTICATION templates need exactly one OTP button");
    return buttonsIssue(buttons, category);
  }
  if (!bodyComponent || !str(bodyComponent.text)) return invalidParameter("components: a BODY with text is required");
  const bodyIssue = exampleIssue(bodyComponent, "BODY", format);
  if (bodyIssue) return bodyIssue;
  const header = findComponent(components, "HEADER");
  if (header) {
    const headerFormat = upper(header.format);
    if (headerFormat !== "TEXT" && headerFormat !== "LOCATION" && !MEDIA_FORMATS.includes(headerFormat)) {
      return invalidParameter(`components: unknown HEADER format ${headerFormat}`);
    }
    if (headerFormat === "TEXT") {
      const headerIssue = exampleIssue(header, "HEADER", format);
      if (headerIssue) return headerIssue;
    }
  }
  const offer = findComponent(components, "LIMITED_TIME_OFFER");
  if (offer) {
    const details = (offer.limited_time_offer ?? {}) as { text?: unknown };
    if (category !== "MARKETING")
      return invalidParameter("components: a LIMITED_TIME_OFFER is for MARKETING templates");
    if (!str(details.text) || str(details.text).length > 16) {
      return invalidParameter("components: limited_time_offer.text is required, at most 16 characters");
    }
    if (findComponent(components, "FOOTER")) return invalidParameter("components: a LIMITED_TIME_OFFER has no FOOTER");
  }
  const carousel = findComponent(components, "CAROUSEL");
  if (carousel) {
    if (category !== "MARKETING") return invalidParameter("components: a CAROUSEL is for MARKETING templates");
    const issue = carouselIssue(carousel, format);
    if (issue) return issue;
  }
  return buttonsIssue(buttons, category);
}
