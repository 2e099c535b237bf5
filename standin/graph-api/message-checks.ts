// The checks Meta runs on a send's content: a template send's components against the approved
// template, and a text message's body.
import { graphError, invalidParameter } from "./errors.ts";
import { isObject, str, upper } from "./http.ts";
import {
  findComponent,
  isCoordinate,
  MEDIA_FORMATS,
  type ParameterFormat,
  parameterCount,
  parametersOf,
  placeholderCount,
  placeholderNames,
} from "./template-rules.ts";
import type { Component, StoredTemplate, TemplateButtonJson } from "./types.ts";

type Params = Record<string, unknown>[];

const countMismatch = (where: string, given: number, expected: number) =>
  graphError(132000, {
    details: `${where}: number of localizable_params (${given}) does not match the expected number of params (${expected})`,
  });

const formatMismatch = (details: string) => graphError(132012, { details });

/**
 * Text-like parameters (header text, body) against the template's placeholders: as many as it
 * has, each named by `parameter_name` exactly when the template is NAMED, and of a type Meta takes
 * there (body: text, currency, date_time; header: text).
 */
function checkTextParams(where: string, params: Params, text: string, format: ParameterFormat): Response | null {
  const expected = parameterCount(text, format);
  if (params.length !== expected) return countMismatch(where, params.length, expected);
  const names = new Set(placeholderNames(text));
  const seen = new Set<string>();
  for (const param of params) {
    const name = param.parameter_name;
    if (format === "NAMED") {
      if (typeof name !== "string") return formatMismatch(`${where}: parameter_name is required by a NAMED template`);
      if (!names.has(name) || seen.has(name)) {
        return countMismatch(
          `${where}: parameter_name ${name} is not one of the template's ({{${[...names].join("}}, {{")}}})`,
          params.length,
          expected,
        );
      }
      seen.add(name);
    } else if (name !== undefined) {
      return formatMismatch(`${where}: parameter_name given but the template is POSITIONAL`);
    }
    const type = upper(param.type);
    if (type === "TEXT") {
      if (typeof param.text !== "string") return graphError(131008, { details: `${where}: text parameter needs text` });
    } else if (type === "CURRENCY" && where === "body") {
      const currency = param.currency as Record<string, unknown> | undefined;
      if (
        !isObject(currency) ||
        !str(currency.fallback_value) ||
        !/^[A-Z]{3}$/.test(str(currency.code)) ||
        !Number.isInteger(currency.amount_1000)
      ) {
        return graphError(131008, { details: `${where}: currency needs fallback_value, code and amount_1000` });
      }
    } else if (type === "DATE_TIME" && where === "body") {
      const dateTime = param.date_time as Record<string, unknown> | undefined;
      if (!isObject(dateTime) || !str(dateTime.fallback_value)) {
        return graphError(131008, { details: `${where}: date_time needs fallback_value` });
      }
    } else {
      return formatMismatch(`${where}: Format mismatch, expected TEXT, received ${type}`);
    }
  }
  return null;
}

function checkHeader(templateHeader: Component | undefined, header: Component | undefined, format: ParameterFormat) {
  const headerParams = parametersOf(header);
  const headerFormat = upper(templateHeader?.format);
  if (headerFormat === "TEXT" || headerFormat === "") {
    return checkTextParams("header", headerParams, headerFormat === "TEXT" ? str(templateHeader?.text) : "", format);
  }
  const [param] = headerParams;
  const received = upper(param?.type) || "NONE";
  if (headerParams.length !== 1 || received !== headerFormat) {
    return formatMismatch(`header: Format mismatch, expected ${headerFormat}, received ${received}`);
  }
  const value = param?.[headerFormat.toLowerCase()] as Record<string, unknown> | undefined;
  if (MEDIA_FORMATS.includes(headerFormat) && !(str(value?.link) || str(value?.id))) {
    return graphError(131008, { details: `header: ${headerFormat.toLowerCase()} requires a link or an id` });
  }
  if (headerFormat === "LOCATION" && !(isCoordinate(value?.latitude) && isCoordinate(value?.longitude))) {
    return graphError(131008, { details: "header: location requires latitude and longitude" });
  }
  return null;
}

const isOtp = (button: TemplateButtonJson) =>
  upper(button.type) === "OTP" ||
  (upper(button.type) === "URL" && /^https:\/\/www\.whatsapp\.com\/otp\//.test(str(button.url)));

/** Whether a button must be given a parameter by every send. */
const needsParameter = (button: TemplateButtonJson) =>
  (upper(button.type) === "URL" && placeholderCount(str(button.url)) > 0) ||
  (isOtp(button) && upper(button.otp_type) !== "ZERO_TAP") ||
  upper(button.type) === "COPY_CODE" ||
  upper(button.type) === "MPM";

function checkButton(index: number, button: TemplateButtonJson, component: Component): Response | null {
  const subType = upper(component.sub_type);
  const [param] = parametersOf(component);
  const type = upper(button.type);
  const action = param?.action as Record<string, unknown> | undefined;
  switch (subType) {
    case "QUICK_REPLY":
      if (type !== "QUICK_REPLY") return invalidParameter(`buttons: button at index ${index} is not a quick reply`);
      if (upper(param?.type) !== "PAYLOAD" || typeof param?.payload !== "string") {
        return graphError(131008, { details: `buttons: quick reply at index ${index} requires a payload parameter` });
      }
      return null;
    case "URL":
      if (!isOtp(button) && (type !== "URL" || placeholderCount(str(button.url)) === 0)) {
        return invalidParameter(`buttons: button at index ${index} takes no url parameter`);
      }
      if (upper(param?.type) !== "TEXT" || !str(param?.text)) {
        return graphError(131008, { details: `buttons: url button at index ${index} requires a text parameter` });
      }
      return null;
    case "COPY_CODE":
      if (type !== "COPY_CODE") return invalidParameter(`buttons: button at index ${index} is not a copy code button`);
      if (upper(param?.type) !== "COUPON_CODE" || !str(param?.coupon_code) || str(param?.coupon_code).length > 15) {
        return graphError(131008, {
          details: `buttons: copy code at index ${index} requires a coupon_code of at most 15 characters`,
        });
      }
      return null;
    case "FLOW":
    case "CATALOG":
      if (type !== subType) return invalidParameter(`buttons: button at index ${index} is not a ${subType} button`);
      if (upper(param?.type) !== "ACTION" || !isObject(action)) {
        return graphError(131008, {
          details: `buttons: ${subType.toLowerCase()} button at index ${index} requires an action parameter`,
        });
      }
      return null;
    case "MPM": {
      if (type !== "MPM") return invalidParameter(`buttons: button at index ${index} is not an MPM button`);
      const sections = Array.isArray(action?.sections) ? (action.sections as Record<string, unknown>[]) : [];
      const complete = sections.every(
        (s) => str(s.title) && Array.isArray(s.product_items) && s.product_items.length > 0,
      );
      if (
        upper(param?.type) !== "ACTION" ||
        !str(action?.thumbnail_product_retailer_id) ||
        sections.length === 0 ||
        !complete
      ) {
        return graphError(131008, {
          details: `buttons: mpm button at index ${index} requires thumbnail_product_retailer_id and sections of product_items`,
        });
      }
      return null;
    }
    default:
      return invalidParameter(`buttons: unsupported sub_type ${str(component.sub_type)}`);
  }
}

function checkButtons(templateButtons: TemplateButtonJson[], components: Component[]): Response | null {
  const given = new Set<number>();
  for (const component of components) {
    if (upper(component.type) !== "BUTTON") continue;
    const index = Number(component.index);
    if (component.index === undefined || !Number.isInteger(index)) {
      return invalidParameter("buttons: index is required", "(#100) The parameter components['index'] is required.");
    }
    const button = templateButtons[index];
    if (!button) return invalidParameter(`buttons: the template has no button at index ${index}`);
    const invalid = checkButton(index, button, component);
    if (invalid) return invalid;
    given.add(index);
  }
  for (const [index, button] of templateButtons.entries()) {
    if (needsParameter(button) && !given.has(index)) {
      return graphError(131008, {
        details: `buttons: ${upper(button.type).toLowerCase()} button at index ${index} requires a parameter`,
      });
    }
  }
  return null;
}

function checkOffer(templateOffer: Component | undefined, components: Component[]): Response | null {
  const offer = findComponent(components, "LIMITED_TIME_OFFER");
  const expires =
    isObject(templateOffer?.limited_time_offer) && templateOffer.limited_time_offer.has_expiration === true;
  if (!offer)
    return expires ? graphError(131008, { details: "limited_time_offer: expiration_time_ms is required" }) : null;
  if (!expires) return invalidParameter("limited_time_offer: the template has no offer expiration");
  const [param] = parametersOf(offer);
  const value = param?.limited_time_offer as Record<string, unknown> | undefined;
  if (upper(param?.type) !== "LIMITED_TIME_OFFER" || !Number.isInteger(value?.expiration_time_ms)) {
    return graphError(131008, { details: "limited_time_offer: expiration_time_ms is required" });
  }
  return null;
}

function checkCarousel(templateCarousel: Component | undefined, components: Component[], format: ParameterFormat) {
  const carousel = findComponent(components, "CAROUSEL");
  if (!templateCarousel) return carousel ? invalidParameter("carousel: the template is not a carousel") : null;
  const templateCards = Array.isArray(templateCarousel.cards)
    ? (templateCarousel.cards as { components?: Component[] }[])
    : [];
  const cards = Array.isArray(carousel?.cards) ? (carousel.cards as (Component & { components?: unknown })[]) : [];
  if (cards.length !== templateCards.length) return countMismatch("carousel cards", cards.length, templateCards.length);
  for (const [i, card] of cards.entries()) {
    if (Number(card.card_index) !== i)
      return invalidParameter(`carousel: card_index ${String(card.card_index)} out of order`);
    const parts = (templateCards[i]?.components ?? []) as Component[];
    const given = (Array.isArray(card.components) ? card.components : []) as Component[];
    const mismatch =
      checkHeader(findComponent(parts, "HEADER"), findComponent(given, "HEADER"), format) ??
      checkTextParams(
        `card ${i} body`,
        parametersOf(findComponent(given, "BODY")),
        str(findComponent(parts, "BODY")?.text),
        format,
      ) ??
      checkButtons(findComponent(parts, "BUTTONS")?.buttons ?? [], given);
    if (mismatch) return mismatch;
  }
  return null;
}

/** Checks a send's components against the template, as Meta does; null when they match. */
export function checkComponents(template: StoredTemplate, components: Component[]): Response | null {
  const format = template.parameterFormat ?? "POSITIONAL";
  const parts = template.components;
  return (
    checkHeader(findComponent(parts, "HEADER"), findComponent(components, "HEADER"), format) ??
    checkTextParams(
      "body",
      parametersOf(findComponent(components, "BODY")),
      str(findComponent(parts, "BODY")?.text),
      format,
    ) ??
    checkOffer(findComponent(parts, "LIMITED_TIME_OFFER"), components) ??
    checkButtons(findComponent(parts, "BUTTONS")?.buttons ?? [], components) ??
    checkCarousel(findComponent(parts, "CAROUSEL"), components, format)
  );
}

/** WhatsApp's maximum length of a text message body, in characters. */
const MAX_TEXT_BODY = 4096;

/** Checks a text message's `text` object as Meta does; null when acceptable. */
export function checkText(text: unknown): Response | null {
  if (!isObject(text) || typeof text.body !== "string" || text.body === "") {
    return invalidParameter("text.body is required", "(#100) The parameter text['body'] is required.");
  }
  if ([...text.body].length > MAX_TEXT_BODY) {
    return invalidParameter(
      `text.body is longer than ${MAX_TEXT_BODY} characters`,
      `(#100) Param text['body'] must be at most ${MAX_TEXT_BODY} characters long.`,
    );
  }
  if (text.preview_url !== undefined && typeof text.preview_url !== "boolean") {
    return invalidParameter(
      "text.preview_url must be a boolean",
      "(#100) Param text['preview_url'] must be a boolean.",
    );
  }
  return null;
}
