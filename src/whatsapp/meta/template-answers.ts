import type { TemplateButton, TemplateCategory, TemplateDefinition, TemplateHeader, TemplateStatus } from "../provider";
import type { MetaTemplateButton, MetaTemplateComponent } from "./template-payloads";

// Meta's answers from GET / POST /{waba-id}/message_templates read back into the product's
// statuses, categories and definitions. Pure functions, like the request bodies they mirror.

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
