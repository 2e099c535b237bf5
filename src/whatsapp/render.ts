import type {
  ButtonParameter,
  CardMessage,
  CarouselCard,
  HeaderParameter,
  TemplateButton,
  TemplateDefinition,
  TemplateMessage,
} from "./provider";

// What a recipient sees of a template message: the template's texts with the message's values in
// their placeholders, its header, footer, buttons (with what each one carries) and cards. Pure and
// provider-neutral: a sandbox message previews exactly as a Meta one.

export type RenderedHeader =
  | { type: "text"; text: string }
  | { type: "image" | "video" | "document"; link?: string; id?: string; filename?: string }
  | { type: "location"; latitude: number; longitude: number; name?: string; address?: string };

export interface RenderedButton {
  type: "quick_reply" | "url" | "phone_number" | "copy_code" | "flow" | "catalog" | "mpm" | "otp";
  /** The label the recipient sees. */
  text: string;
  /** What the button carries: the payload, the full URL, the phone number, the code; null if nothing. */
  value: string | null;
}

export interface RenderedCard {
  header: RenderedHeader | null;
  body: string;
  buttons: RenderedButton[];
}

export interface RenderedTemplate {
  header: RenderedHeader | null;
  body: string;
  footer: string | null;
  buttons: RenderedButton[];
  /** A limited-time offer's headline and, when the send carries one, its expiry (Unix ms). */
  offer: { text: string; expiresAt: number | null } | null;
  cards: RenderedCard[];
}

const PLACEHOLDER = /\{\{\s*([a-z0-9_]+)\s*\}\}/g;

/** `text` with `{{1}}`… or `{{name}}`… replaced by the values; a placeholder without one stays as written. */
function fill(text: string, values: string[], names?: string[]): string {
  return text.replace(PLACEHOLDER, (whole, key: string) => {
    const index = names ? names.indexOf(key) : Number(key) - 1;
    return values[index] ?? whole;
  });
}

function header(definition: TemplateDefinition["header"], message: TemplateMessage): RenderedHeader | null {
  if (!definition) return null;
  const given = message.header;
  if (definition.format === "TEXT") {
    const value = given?.type === "text" ? [given.text] : [];
    const names = message.names?.header ? [message.names.header] : undefined;
    return { type: "text", text: fill(definition.text, value, names) };
  }
  return given ? media(given) : null;
}

function media(given: HeaderParameter | CardMessage["header"]): RenderedHeader {
  if (given.type === "text") return { type: "text", text: given.text };
  if (given.type === "location") {
    const { latitude, longitude, name, address } = given;
    return { type: "location", latitude, longitude, ...(name ? { name } : {}), ...(address ? { address } : {}) };
  }
  return {
    type: given.type,
    ...(given.link ? { link: given.link } : { id: given.id }),
    ...(given.type === "document" && given.filename ? { filename: given.filename } : {}),
  };
}

const SUFFIX = /\{\{1\}\}$/;
const OPENS = { FLOW: "flow", CATALOG: "catalog", MPM: "mpm" } as const;

function buttons(defined: TemplateButton[], given: ButtonParameter[] | undefined, code: string | null) {
  return defined.map((button, index): RenderedButton => {
    const param = given?.find((b) => b.index === index);
    switch (button.type) {
      case "QUICK_REPLY":
        return {
          type: "quick_reply",
          text: button.text,
          value: param?.subType === "quick_reply" ? param.payload : null,
        };
      case "URL":
        return {
          type: "url",
          text: button.text,
          value: button.url.replace(SUFFIX, param?.subType === "url" ? param.text : "{{1}}"),
        };
      case "PHONE_NUMBER":
        return { type: "phone_number", text: button.text, value: button.phoneNumber };
      case "COPY_CODE":
        return {
          type: "copy_code",
          text: button.text ?? "Copy offer code",
          value: param?.subType === "copy_code" ? param.couponCode : null,
        };
      case "OTP":
        return { type: "otp", text: button.text ?? "Copy code", value: code };
      default:
        // FLOW, CATALOG, MPM: open something of Meta's; the send carries no value a reader sees.
        return { type: OPENS[button.type], text: button.text, value: null };
    }
  });
}

function card(defined: CarouselCard, given: CardMessage | undefined): RenderedCard {
  return {
    header: given ? media(given.header) : null,
    body: fill(defined.body.text, given?.body ?? []),
    buttons: buttons(defined.buttons, given?.buttons, null),
  };
}

/** The template `definition` as `message` fills it. */
export function renderTemplate(definition: TemplateDefinition, message: TemplateMessage): RenderedTemplate {
  const named = definition.parameterFormat === "NAMED" ? (message.names?.body ?? []) : undefined;
  // An authentication template's code is its one body value, and its button copies or fills it.
  const code = definition.category === "AUTHENTICATION" ? (message.body[0] ?? null) : null;
  return {
    header: header(definition.header, message),
    body: fill(definition.body.text, message.body, named),
    footer: definition.footer?.text ?? null,
    buttons: buttons(definition.buttons ?? [], message.buttons, code),
    offer: definition.offer ? { text: definition.offer.text, expiresAt: message.offerExpiresAt ?? null } : null,
    cards: (definition.cards ?? []).map((c, i) => card(c, message.cards?.[i])),
  };
}
