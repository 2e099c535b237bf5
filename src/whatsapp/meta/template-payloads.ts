import type { CarouselCard, TemplateButton, TemplateCategory, TemplateDefinition, TemplateHeader } from "../provider";

// The provider-neutral template definitions turned into the body of POST /{waba-id}/message_templates,
// and the component shapes Meta uses both there and in its answers. Pure functions, so each mapping
// is tested on its own and the provider only does HTTP.

/** The distinct positional placeholders `{{1}}`, `{{2}}`… of a text, as their numbers. */
export function placeholders(text: string): number[] {
  const seen = new Set<number>();
  for (const match of text.matchAll(/\{\{\s*(\d+)\s*\}\}/g)) seen.add(Number(match[1]));
  return [...seen].sort((a, b) => a - b);
}

/** How many values a text's placeholders take: the highest `{{n}}` (Meta numbers them 1…n). */
export const placeholderCount = (text: string) => placeholders(text).at(-1) ?? 0;

/** The distinct named placeholders `{{first_name}}`… of a text, in order of first appearance. */
export function placeholderNames(text: string): string[] {
  const seen = new Set<string>();
  for (const match of text.matchAll(/\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}/g)) seen.add(match[1] ?? "");
  return [...seen];
}

export interface MetaTemplateButton {
  type: string;
  text?: string;
  url?: string;
  phone_number?: string;
  example?: string[] | string;
  flow_id?: string | number;
  flow_action?: string;
  navigate_screen?: string;
  otp_type?: string;
  autofill_text?: string;
  supported_apps?: { package_name?: string; signature_hash?: string }[];
  zero_tap_terms_accepted?: boolean;
}

export interface NamedExample {
  param_name: string;
  example: string;
}

export interface MetaTemplateComponent {
  type: string;
  format?: string;
  text?: string;
  example?: {
    header_text?: string[];
    header_handle?: string[];
    body_text?: string[][];
    header_text_named_params?: NamedExample[];
    body_text_named_params?: NamedExample[];
  };
  buttons?: MetaTemplateButton[];
  add_security_recommendation?: boolean;
  code_expiration_minutes?: number;
  limited_time_offer?: { text?: string; has_expiration?: boolean };
  cards?: { components?: MetaTemplateComponent[] }[];
}

export interface CreateTemplateBody {
  name: string;
  language: string;
  category: TemplateCategory;
  parameter_format?: "NAMED";
  components: MetaTemplateComponent[];
}

const sample = (n: number) => `sample ${n}`;

/** A full example URL for a URL button: Meta wants the URL with its `{{1}}` filled in. */
function exampleUrl(url: string, example: string | undefined): string {
  const suffix = example ?? sample(1);
  if (/^https?:\/\//i.test(suffix)) return suffix;
  return url.replace(/\{\{\s*1\s*\}\}/, suffix);
}

function headerComponent(header: TemplateHeader, named: boolean): MetaTemplateComponent {
  if (header.format === "TEXT") {
    const name = named ? placeholderNames(header.text)[0] : undefined;
    const example = header.example ?? sample(1);
    if (name !== undefined) {
      return {
        type: "HEADER",
        format: "TEXT",
        text: header.text,
        example: { header_text_named_params: [{ param_name: name, example }] },
      };
    }
    const count = named ? 0 : placeholderCount(header.text);
    return {
      type: "HEADER",
      format: "TEXT",
      text: header.text,
      ...(count > 0 ? { example: { header_text: [example] } } : {}),
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
    case "COPY_CODE":
      // Meta labels the button itself; its example is the sample coupon.
      return { type: "COPY_CODE", example: button.example ?? "SAMPLE1" };
    case "FLOW":
      return {
        type: "FLOW",
        text: button.text,
        ...(button.flowId !== undefined ? { flow_id: button.flowId } : {}),
        flow_action: button.flowAction ?? "navigate",
        ...(button.navigateScreen !== undefined ? { navigate_screen: button.navigateScreen } : {}),
      };
    case "CATALOG":
    case "MPM":
      return { type: button.type, text: button.text };
    case "OTP":
      return {
        type: "OTP",
        otp_type: button.otpType,
        ...(button.text !== undefined ? { text: button.text } : {}),
        ...(button.autofillText !== undefined ? { autofill_text: button.autofillText } : {}),
        ...(button.supportedApps
          ? {
              supported_apps: button.supportedApps.map((app) => ({
                package_name: app.packageName,
                signature_hash: app.signatureHash,
              })),
            }
          : {}),
        ...(button.zeroTapTermsAccepted !== undefined ? { zero_tap_terms_accepted: button.zeroTapTermsAccepted } : {}),
      };
  }
}

/** A BODY component with its examples: one per placeholder, positional or by name. */
function bodyComponent(body: TemplateDefinition["body"], named: boolean): MetaTemplateComponent {
  if (named) {
    const names = placeholderNames(body.text);
    if (names.length === 0) return { type: "BODY", text: body.text };
    return {
      type: "BODY",
      text: body.text,
      example: {
        body_text_named_params: names.map((name, i) => ({
          param_name: name,
          example: body.examples?.[i] ?? sample(i + 1),
        })),
      },
    };
  }
  const count = placeholderCount(body.text);
  const examples = Array.from({ length: count }, (_, i) => body.examples?.[i] ?? sample(i + 1));
  return { type: "BODY", text: body.text, ...(count > 0 ? { example: { body_text: [examples] } } : {}) };
}

function cardComponent(card: CarouselCard, named: boolean): { components: MetaTemplateComponent[] } {
  return {
    components: [
      {
        type: "HEADER",
        format: card.header.format,
        ...(card.header.example !== undefined ? { example: { header_handle: [card.header.example] } } : {}),
      },
      bodyComponent(card.body, named),
      { type: "BUTTONS", buttons: card.buttons.map(templateButton) },
    ],
  };
}

/**
 * The body of a template creation. Placeholders without an example get "sample 1", "sample 2"…
 * An authentication template is sent as Meta's preset parts (security note, expiry, OTP button):
 * Meta writes its body and footer text itself.
 */
export function createTemplateBody(definition: TemplateDefinition): CreateTemplateBody {
  const named = definition.parameterFormat === "NAMED";
  const components: MetaTemplateComponent[] = [];
  const { authentication } = definition;
  if (definition.category === "AUTHENTICATION" && authentication) {
    components.push({ type: "BODY", add_security_recommendation: authentication.securityRecommendation });
    if (authentication.codeExpirationMinutes !== undefined) {
      components.push({ type: "FOOTER", code_expiration_minutes: authentication.codeExpirationMinutes });
    }
    if (definition.buttons && definition.buttons.length > 0) {
      components.push({ type: "BUTTONS", buttons: definition.buttons.map(templateButton) });
    }
    return { name: definition.name, language: definition.language, category: definition.category, components };
  }
  if (definition.header) components.push(headerComponent(definition.header, named));
  // Meta's documentation writes these two component types in lowercase, unlike the others.
  if (definition.offer) {
    components.push({
      type: "limited_time_offer",
      limited_time_offer: { text: definition.offer.text, has_expiration: definition.offer.hasExpiration },
    });
  }
  components.push(bodyComponent(definition.body, named));
  if (definition.footer) components.push({ type: "FOOTER", text: definition.footer.text });
  if (definition.buttons && definition.buttons.length > 0) {
    components.push({ type: "BUTTONS", buttons: definition.buttons.map(templateButton) });
  }
  if (definition.cards) {
    components.push({ type: "carousel", cards: definition.cards.map((card) => cardComponent(card, named)) });
  }
  return {
    name: definition.name,
    language: definition.language,
    category: definition.category,
    ...(named ? { parameter_format: "NAMED" as const } : {}),
    components,
  };
}
