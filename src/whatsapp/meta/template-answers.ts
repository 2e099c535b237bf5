import {
  type CarouselCard,
  OTP_TYPES,
  type OtpType,
  type TemplateButton,
  type TemplateCategory,
  type TemplateDefinition,
  type TemplateHeader,
  type TemplateStatus,
} from "../provider";
import type { MetaTemplateButton, MetaTemplateComponent } from "./template-payloads";

// Meta's answers from GET / POST /{waba-id}/message_templates read back into the product's
// statuses, categories and definitions. Pure functions, like the request bodies they mirror.

export interface MetaTemplate {
  id?: string | number;
  name?: string;
  language?: string;
  status?: string;
  category?: string;
  parameter_format?: string;
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

const otpType = (value: string | undefined): OtpType =>
  (OTP_TYPES as readonly string[]).includes(value?.toUpperCase() ?? "")
    ? (value?.toUpperCase() as OtpType)
    : "COPY_CODE";

// Meta may list an authentication template's OTP button as the URL it opens.
const OTP_URL = /^https:\/\/www\.whatsapp\.com\/otp\/code\/?\?(.*)$/;

/**
 * One of Meta's buttons as the product defines it. A button of a kind the product does not know is
 * kept as Meta wrote it, so that the template fails to store as a whole: dropping it would shift
 * the index of every button after it, and a send would fill the wrong one.
 */
function definitionButton(button: MetaTemplateButton): TemplateButton {
  const text = button.text ?? "";
  const example = Array.isArray(button.example) ? button.example[0] : button.example;
  switch (button.type?.toUpperCase()) {
    case "QUICK_REPLY":
      return { type: "QUICK_REPLY", text };
    case "URL": {
      const url = button.url ?? "";
      const otp = OTP_URL.exec(url);
      if (otp) return { type: "OTP", otpType: otpType(new URLSearchParams(otp[1]).get("otp_type") ?? undefined), text };
      return { type: "URL", text, url, ...(example !== undefined ? { example: exampleSuffix(url, example) } : {}) };
    }
    case "PHONE_NUMBER":
      return { type: "PHONE_NUMBER", text, phoneNumber: button.phone_number ?? "" };
    case "COPY_CODE":
      return {
        type: "COPY_CODE",
        ...(button.text !== undefined ? { text } : {}),
        ...(example !== undefined ? { example } : {}),
      };
    case "FLOW": {
      const action = button.flow_action?.toLowerCase();
      return {
        type: "FLOW",
        text,
        ...(button.flow_id !== undefined ? { flowId: String(button.flow_id) } : {}),
        ...(action === "navigate" || action === "data_exchange" ? { flowAction: action } : {}),
        ...(button.navigate_screen !== undefined ? { navigateScreen: button.navigate_screen } : {}),
      };
    }
    case "CATALOG":
      return { type: "CATALOG", text };
    case "MPM":
      return { type: "MPM", text };
    case "OTP":
      return {
        type: "OTP",
        otpType: otpType(button.otp_type),
        ...(button.text !== undefined ? { text } : {}),
        ...(button.autofill_text !== undefined ? { autofillText: button.autofill_text } : {}),
        ...(button.supported_apps
          ? {
              supportedApps: button.supported_apps.map((app) => ({
                packageName: app.package_name ?? "",
                signatureHash: app.signature_hash ?? "",
              })),
            }
          : {}),
        ...(button.zero_tap_terms_accepted !== undefined
          ? { zeroTapTermsAccepted: button.zero_tap_terms_accepted }
          : {}),
      };
    default:
      return button as unknown as TemplateButton;
  }
}

/** Examples in the order placeholders first appear: positional ones, or named ones by name. */
function bodyExamples(component: MetaTemplateComponent): string[] | undefined {
  const named = component.example?.body_text_named_params;
  if (named && named.length > 0) return named.map((e) => String(e.example ?? ""));
  const positional = component.example?.body_text?.[0];
  return positional ? [...positional] : undefined;
}

function definitionHeader(component: MetaTemplateComponent): TemplateHeader | undefined {
  switch (component.format?.toUpperCase()) {
    case "TEXT": {
      const example = component.example?.header_text?.[0] ?? component.example?.header_text_named_params?.[0]?.example;
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

function definitionCard(card: { components?: MetaTemplateComponent[] }): CarouselCard {
  const out = { header: { format: "IMAGE" }, body: { text: "" }, buttons: [] } as unknown as CarouselCard;
  for (const component of card.components ?? []) {
    switch (component.type?.toUpperCase()) {
      case "HEADER": {
        const header = definitionHeader(component);
        // A card's header is image or video; anything else is kept so the template fails to store.
        out.header = (header ?? component) as CarouselCard["header"];
        break;
      }
      case "BODY": {
        const examples = bodyExamples(component);
        out.body = { text: component.text ?? "", ...(examples ? { examples } : {}) };
        break;
      }
      case "BUTTONS":
        out.buttons = (component.buttons ?? []).map(definitionButton);
        break;
    }
  }
  return out;
}

/** One of Meta's templates as the product defines it. */
export function templateDefinition(template: MetaTemplate): TemplateDefinition {
  const definition: TemplateDefinition = {
    name: template.name ?? "",
    language: template.language ?? "",
    category: templateCategory(template.category),
    body: { text: "" },
  };
  const components = template.components ?? [];
  const bodyText = components.find((c) => c.type?.toUpperCase() === "BODY")?.text ?? "";
  // Meta answers parameter_format; an older answer without it is NAMED when its body says so.
  const format = template.parameter_format?.toUpperCase();
  if (format === "NAMED" || (format === undefined && /\{\{\s*[a-z_][a-z0-9_]*\s*\}\}/.test(bodyText))) {
    definition.parameterFormat = "NAMED";
  }
  for (const component of components) {
    switch (component.type?.toUpperCase()) {
      case "HEADER": {
        const header = definitionHeader(component);
        if (header) definition.header = header;
        break;
      }
      case "BODY": {
        const examples = bodyExamples(component);
        definition.body = { text: component.text ?? "", ...(examples ? { examples } : {}) };
        if (definition.category === "AUTHENTICATION" && component.add_security_recommendation !== undefined) {
          definition.authentication = {
            ...definition.authentication,
            securityRecommendation: component.add_security_recommendation,
          };
        }
        break;
      }
      case "FOOTER":
        definition.footer = { text: component.text ?? "" };
        if (definition.category === "AUTHENTICATION" && component.code_expiration_minutes !== undefined) {
          definition.authentication = {
            securityRecommendation: definition.authentication?.securityRecommendation ?? false,
            codeExpirationMinutes: component.code_expiration_minutes,
          };
        }
        break;
      case "BUTTONS": {
        const buttons = (component.buttons ?? []).map(definitionButton);
        if (buttons.length > 0) definition.buttons = buttons;
        break;
      }
      case "LIMITED_TIME_OFFER":
        definition.offer = {
          text: component.limited_time_offer?.text ?? "",
          hasExpiration: component.limited_time_offer?.has_expiration === true,
        };
        break;
      case "CAROUSEL":
        definition.cards = (component.cards ?? []).map(definitionCard);
        break;
    }
  }
  return definition;
}
