// Templates as Meta stores and shows them: reading components and placeholders, the fields a
// listing returns, and the checks Meta runs when a template is created.
import { invalidParameter } from "./errors.ts";
import { str, upper } from "./http.ts";
import type { Component, StoredTemplate } from "./types.ts";

export function placeholderCount(text: string): number {
  let max = 0;
  for (const match of text.matchAll(/\{\{\s*(\d+)\s*\}\}/g)) max = Math.max(max, Number(match[1]));
  return max;
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
