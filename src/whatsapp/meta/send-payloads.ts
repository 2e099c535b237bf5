import type {
  ButtonParameter,
  CardMessage,
  HeaderParameter,
  MediaRef,
  TemplateMessage,
  TextMessage,
} from "../provider";

// The provider-neutral messages turned into the bodies of POST /{phone-number-id}/messages. Pure
// functions, so each mapping is tested on its own and the provider only does HTTP.

/** E.164 with the plus → the digits Meta's `to` field takes. */
export const toDigits = (e164: string) => e164.replace(/\D/g, "");

// A business-scoped user id (BSUID): the user's ISO 3166 country code, a dot, and up to 128
// letters and digits; a parent BSUID has `ENT.` after the country (US.13491208655302741918,
// US.ENT.11815799212886844830). A contact known only by one keeps it as its number.
const BSUID = /^[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}$/;

export const isBsuid = (address: string) => BSUID.test(address);

/**
 * Whom a message goes to: a phone number as `to`, a BSUID as `recipient` (Meta's Messages and
 * Marketing Messages APIs take either; `to` wins when both are given). A BSUID's digits are never
 * sent as a phone number.
 */
export const addressOf = (address: string): { to: string } | { recipient: string } =>
  isBsuid(address) ? { recipient: address } : { to: toDigits(address) };

type Media = { link: string } | { id: string };

export type SendParameter =
  | { type: "text"; text: string; parameter_name?: string }
  | {
      type: "currency";
      currency: { fallback_value: string; code: string; amount_1000: number };
      parameter_name?: string;
    }
  | { type: "date_time"; date_time: { fallback_value: string }; parameter_name?: string }
  | { type: "payload"; payload: string }
  | { type: "coupon_code"; coupon_code: string }
  | { type: "action"; action: Record<string, unknown> }
  | { type: "image"; image: Media }
  | { type: "video"; video: Media }
  | { type: "document"; document: Media & { filename?: string } }
  | { type: "location"; location: { latitude: number; longitude: number; name?: string; address?: string } }
  | { type: "limited_time_offer"; limited_time_offer: { expiration_time_ms: number } };

// Meta's examples write every sub_type in lowercase except CATALOG.
export type ButtonSubType = "quick_reply" | "url" | "copy_code" | "flow" | "CATALOG" | "mpm";

export type SendComponent =
  | { type: "header"; parameters: SendParameter[] }
  | { type: "body"; parameters: SendParameter[] }
  | { type: "button"; sub_type: ButtonSubType; index: string; parameters: SendParameter[] }
  | { type: "limited_time_offer"; parameters: SendParameter[] }
  | { type: "carousel"; cards: { card_index: number; components: SendComponent[] }[] };

export interface SendTemplateBody {
  messaging_product: "whatsapp";
  recipient_type: "individual";
  /** A phone number's digits; absent when the message goes to a BSUID as `recipient`. */
  to?: string;
  recipient?: string;
  type: "template";
  template: { name: string; language: { code: string }; components?: SendComponent[] };
  biz_opaque_callback_data?: string;
}

const media = (ref: MediaRef): Media => (ref.id !== undefined ? { id: ref.id } : { link: ref.link });

export function headerParameter(header: HeaderParameter): SendParameter {
  switch (header.type) {
    case "text":
      return { type: "text", text: header.text };
    case "image":
      return { type: "image", image: media(header) };
    case "video":
      return { type: "video", video: media(header) };
    case "document":
      return {
        type: "document",
        document: { ...media(header), ...(header.filename !== undefined ? { filename: header.filename } : {}) },
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

function buttonParameter(button: ButtonParameter): SendParameter {
  switch (button.subType) {
    case "quick_reply":
      return { type: "payload", payload: button.payload };
    case "url":
      return { type: "text", text: button.text };
    case "copy_code":
      return { type: "coupon_code", coupon_code: button.couponCode };
    case "flow":
      return {
        type: "action",
        action: {
          ...(button.flowToken !== undefined ? { flow_token: button.flowToken } : {}),
          ...(button.flowActionData !== undefined ? { flow_action_data: button.flowActionData } : {}),
        },
      };
    case "catalog":
      return {
        type: "action",
        action:
          button.thumbnailProductRetailerId !== undefined
            ? { thumbnail_product_retailer_id: button.thumbnailProductRetailerId }
            : {},
      };
    case "mpm":
      return {
        type: "action",
        action: {
          thumbnail_product_retailer_id: button.thumbnailProductRetailerId,
          sections: button.sections.map((section) => ({
            title: section.title,
            product_items: section.productRetailerIds.map((id) => ({ product_retailer_id: id })),
          })),
        },
      };
  }
}

export function buttonComponent(button: ButtonParameter): SendComponent {
  return {
    type: "button",
    sub_type: button.subType === "catalog" ? "CATALOG" : button.subType,
    index: String(button.index),
    parameters: [buttonParameter(button)],
  };
}

/** Body values with their Meta type (text, currency, date-time) and, for NAMED templates, name. */
function bodyParameters(message: Pick<TemplateMessage, "body" | "names" | "typed">): SendParameter[] {
  const typed = new Map((message.typed ?? []).map((t) => [t.index, t]));
  return message.body.map((text, i): SendParameter => {
    const name = message.names?.body[i];
    const named = name !== undefined ? { parameter_name: name } : {};
    const kind = typed.get(i);
    if (kind?.type === "currency") {
      return {
        type: "currency",
        ...named,
        currency: { fallback_value: text, code: kind.code, amount_1000: kind.amount1000 },
      };
    }
    if (kind?.type === "date_time") return { type: "date_time", ...named, date_time: { fallback_value: text } };
    return { type: "text", ...named, text };
  });
}

function cardComponents(card: CardMessage): SendComponent[] {
  const components: SendComponent[] = [{ type: "header", parameters: [headerParameter(card.header)] }];
  if (card.body.length > 0) components.push({ type: "body", parameters: bodyParameters({ body: card.body }) });
  for (const button of card.buttons ?? []) components.push(buttonComponent(button));
  return components;
}

/** The body of a template send, exactly as Meta documents it. `template.category` is not Meta's. */
export function sendTemplateBody(message: TemplateMessage): SendTemplateBody {
  const components: SendComponent[] = [];
  if (message.header) {
    const parameter = headerParameter(message.header);
    const name = message.names?.header;
    components.push({
      type: "header",
      parameters: [
        name !== undefined && parameter.type === "text" ? { ...parameter, parameter_name: name } : parameter,
      ],
    });
  }
  if (message.body.length > 0) components.push({ type: "body", parameters: bodyParameters(message) });
  if (message.offerExpiresAt !== undefined) {
    components.push({
      type: "limited_time_offer",
      parameters: [{ type: "limited_time_offer", limited_time_offer: { expiration_time_ms: message.offerExpiresAt } }],
    });
  }
  for (const button of message.buttons ?? []) components.push(buttonComponent(button));
  if (message.cards) {
    components.push({
      type: "carousel",
      cards: message.cards.map((card, i) => ({ card_index: i, components: cardComponents(card) })),
    });
  }
  return {
    messaging_product: "whatsapp",
    recipient_type: "individual",
    ...addressOf(message.to),
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
  to?: string;
  recipient?: string;
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
    ...addressOf(message.to),
    type: "text",
    text: { body: message.text, preview_url: false },
    ...(message.callbackData !== undefined ? { biz_opaque_callback_data: message.callbackData } : {}),
  };
}
