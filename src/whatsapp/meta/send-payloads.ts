import type { ButtonParameter, HeaderParameter, TemplateMessage, TextMessage } from "../provider";

// The provider-neutral messages turned into the bodies of POST /{phone-number-id}/messages. Pure
// functions, so each mapping is tested on its own and the provider only does HTTP.

/** E.164 with the plus → the digits Meta's `to` field takes. */
export const toDigits = (e164: string) => e164.replace(/\D/g, "");

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
