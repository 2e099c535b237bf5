import { z } from "@hono/zod-openapi";
import type { FieldError } from "../../platform/errors";
import type { TemplateButton } from "../../whatsapp/provider";
import { RESOURCE_ID } from "../audiences/schemas";
import { LIMITS } from "../templates/definition-rules";
import { urlPlaceholder } from "./placeholders";

// The reference document's four button types, and a coupon, and how each becomes a template
// button: input and journey buttons are quick replies (a press comes back to us as an inbound
// `button` message), phone, url and copy_code buttons are call-to-action buttons WhatsApp handles
// on the phone.

export const BUTTON_TYPES = ["input", "journey", "phone", "url", "copy_code"] as const;
export type BroadcastButtonType = (typeof BUTTON_TYPES)[number];

/** A button as stored on the campaign (normalised from the request). */
export type BroadcastButton =
  | { type: "input"; text: string; input: string }
  | { type: "journey"; text: string; journeyId: string }
  | { type: "phone"; text: string; phoneNumber: string }
  | { type: "url"; text: string; url: string }
  /** The same coupon for every recipient of the campaign. */
  | { type: "copy_code"; text: string; code: string };

// Meta's own maximum for a PHONE_NUMBER button's number, and a bound for the recorded input text.
const COUPON = /^\S{1,15}$/;
const PHONE_MAX = 20;
const INPUT_MAX = 1024;
// E.164 as Meta's examples write it: a country code's first digit 1–9, 7 to 15 digits in all.
const PHONE = /^\+?[1-9]\d{6,14}$/;

// One flat shape rather than a union per type, so that a wrong or missing field is reported by
// name (`buttons.0.journeyId`) by checkButtons instead of as a failed union.
export const ButtonInput = z
  .object({
    text: z.string().openapi({ description: "The label, 1–25 characters", example: "Start" }),
    type: z.enum(BUTTON_TYPES).openapi({
      description:
        "`input` and `journey` become quick replies; `phone`, `url` and `copy_code` call-to-action buttons, which may be combined with each other but not with `input` or `journey`",
    }),
    journeyId: z.string().optional().openapi({ description: "`journey`: the journey a press starts" }),
    input: z
      .string()
      .optional()
      .openapi({ description: "`input`: what a press records in the campaign's input group; defaults to `text`" }),
    phoneNumber: z.string().optional().openapi({ description: "`phone`: the number to call, with its country code" }),
    url: z.string().optional().openapi({
      description: "`url`: http(s), at most 2000 characters; may end in one `{group.field}`, a per-recipient suffix",
      example: "https://pay.example.com/{payments.link_id}",
    }),
    code: z.string().optional().openapi({
      description:
        "`copy_code`: the coupon the button copies, the same for every recipient (at most 15 characters, no spaces; WhatsApp labels the button itself)",
      example: "SAVE25",
    }),
  })
  .openapi("BroadcastButton");

export type ButtonInputType = z.infer<typeof ButtonInput>;

const chars = (text: string) => [...text].length;
const isQuickReply = (type: BroadcastButtonType) => type === "input" || type === "journey";

export interface CheckedButtons {
  buttons: BroadcastButton[];
  /** The template's buttons, one per campaign button, in the same order. */
  template: TemplateButton[];
  /** "group.field" of each url button's suffix, by button index. */
  urlVariables: Map<number, string>;
  errors: FieldError[];
}

/**
 * Checks the documented combination rules and WhatsApp's limits (10 buttons, 2 url, 1 phone,
 * 25-character labels, 2000-character URLs), each violation naming `buttons.<i>.<field>`.
 */
export function checkButtons(input: ButtonInputType[]): CheckedButtons {
  const errors: FieldError[] = [];
  const fail = (field: string, message: string) => errors.push({ field, in: "body", message });
  const buttons: BroadcastButton[] = [];
  const template: TemplateButton[] = [];
  const urlVariables = new Map<number, string>();

  if (input.length > LIMITS.buttons) {
    fail("buttons", `WhatsApp allows at most ${LIMITS.buttons} buttons; got ${input.length}`);
  }
  const first = input[0];
  let urls = 0;
  let phones = 0;
  input.forEach((button, i) => {
    const at = (field: string) => `buttons.${i}.${field}`;
    const text = button.text.trim();
    if (text.length === 0) fail(at("text"), "must not be empty");
    else if (chars(text) > LIMITS.buttonText) {
      fail(at("text"), `must be at most ${LIMITS.buttonText} characters (WhatsApp's limit); got ${chars(text)}`);
    }
    if (first && isQuickReply(button.type) !== isQuickReply(first.type)) {
      fail(
        at("type"),
        `${button.type} buttons cannot be combined with ${first.type} buttons: phone and url buttons may only be used together, never with input or journey buttons`,
      );
    }
    switch (button.type) {
      case "input": {
        const recorded = button.input ?? text;
        if (button.input !== undefined && recorded.trim().length === 0) fail(at("input"), "must not be empty");
        else if (chars(recorded) > INPUT_MAX) fail(at("input"), `must be at most ${INPUT_MAX} characters`);
        buttons.push({ type: "input", text, input: recorded });
        template.push({ type: "QUICK_REPLY", text });
        break;
      }
      case "journey": {
        const journeyId = button.journeyId?.trim() ?? "";
        if (!journeyId) fail(at("journeyId"), "is required for a journey button");
        else if (!RESOURCE_ID.test(journeyId))
          fail(at("journeyId"), "is not a journey id (1–100 of A-Z a-z 0-9 _ . : -)");
        buttons.push({ type: "journey", text, journeyId });
        template.push({ type: "QUICK_REPLY", text });
        break;
      }
      case "phone": {
        phones++;
        if (phones > LIMITS.phoneButtons)
          fail(at("type"), `WhatsApp allows at most ${LIMITS.phoneButtons} phone button`);
        const given = button.phoneNumber?.trim() ?? "";
        const compact = given.replace(/[\s().-]/g, "");
        if (!given) fail(at("phoneNumber"), "is required for a phone button");
        else if (!PHONE.test(compact) || given.length > PHONE_MAX) {
          fail(at("phoneNumber"), "must be a phone number with its country code, e.g. +15550051310");
        }
        const phoneNumber = compact.startsWith("+") ? compact : `+${compact}`;
        buttons.push({ type: "phone", text, phoneNumber });
        template.push({ type: "PHONE_NUMBER", text, phoneNumber });
        break;
      }
      case "copy_code": {
        const code = button.code?.trim() ?? "";
        if (input.filter((b) => b.type === "copy_code").indexOf(button) > 0) {
          fail(at("type"), "WhatsApp allows at most 1 copy_code button");
        }
        if (!code) fail(at("code"), "is required for a copy_code button");
        else if (/[{}]/.test(code)) {
          fail(at("code"), "is the same for every recipient: per-recipient coupons are sent through API campaigns");
        } else if (!COUPON.test(code)) fail(at("code"), "must be at most 15 characters without spaces");
        buttons.push({ type: "copy_code", text, code });
        template.push({ type: "COPY_CODE", example: code });
        break;
      }
      case "url": {
        urls++;
        if (urls > LIMITS.urlButtons) fail(at("type"), `WhatsApp allows at most ${LIMITS.urlButtons} url buttons`);
        const url = button.url?.trim() ?? "";
        if (!url) {
          fail(at("url"), "is required for a url button");
        } else {
          const parsed = urlPlaceholder(url);
          for (const problem of parsed.problems) fail(at("url"), problem);
          const base = parsed.variable ? parsed.url.slice(0, -"{{1}}".length) : parsed.url;
          if (!isHttpUrl(base)) fail(at("url"), "must be an http:// or https:// URL");
          if (chars(url) > LIMITS.url) fail(at("url"), `must be at most ${LIMITS.url} characters`);
          if (parsed.variable) urlVariables.set(i, parsed.variable);
          template.push({ type: "URL", text, url: parsed.url });
        }
        buttons.push({ type: "url", text, url });
        break;
      }
    }
  });
  return { buttons, template, urlVariables, errors };
}

function isHttpUrl(text: string): boolean {
  if (!/^https?:\/\/[^\s/?#]+/i.test(text)) return false;
  try {
    new URL(text);
    return true;
  } catch {
    return false;
  }
}
