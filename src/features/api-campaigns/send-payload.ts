import type { ButtonParameter, HeaderParameter, TemplateMessage, TemplateParams } from "../../whatsapp/provider";
import { cardMessages } from "./send-cards";
import type { ApiSendExtras } from "./send-kinds";
import { mediaRef, Problems, plural } from "./send-problems";

export interface ApiSendInput {
  templateParams: string[];
  media?: { url: string; filename?: string };
  location?: { latitude: number; longitude: number; name?: string; address?: string };
  /** The optional fields of the template kinds (coupon, OTP, offer, cards, typed values…). */
  extras?: ApiSendExtras;
}

export interface TemplateRef {
  name: string;
  language: string;
  category: TemplateMessage["template"]["category"];
  params: TemplateParams;
}

/**
 * `templateParams` is one flat list, as the API-campaign reference has it. It fills the template's
 * placeholders in reading order: the TEXT header's {{1}}, then the body's {{1}}…{{n}}, then each
 * URL button's suffix. A NAMED template takes one value per name, in the order the names first
 * appear (the header's, then the body's new ones): a name in both header and body is given once.
 */
export function parameterLayout(params: TemplateParams) {
  const header = params.header?.format === "TEXT" ? params.header.params : 0;
  const buttons = params.buttons.reduce((sum, b) => sum + b.params, 0);
  if (params.names) {
    const named = [...new Set([...params.names.header, ...params.names.body])];
    return { header, body: params.body, buttons, named, values: named.length, total: named.length + buttons };
  }
  return {
    header,
    body: params.body,
    buttons,
    named: null,
    values: header + params.body,
    total: header + params.body + buttons,
  };
}

function describeLayout(layout: ReturnType<typeof parameterLayout>) {
  const parts = layout.named
    ? [
        layout.named.length > 0 ? `${layout.named.join(", ")} for the named placeholders` : null,
        layout.buttons > 0 ? `${layout.buttons} for URL buttons` : null,
      ]
    : [
        layout.header > 0 ? `${layout.header} for the header` : null,
        layout.body > 0 ? `${layout.body} for the body` : null,
        layout.buttons > 0 ? `${layout.buttons} for URL buttons` : null,
      ];
  const given = parts.filter(Boolean);
  return given.length > 0 ? ` (${given.join(", ")}, in that order)` : "";
}

/** Turns a validated API-campaign request into the provider-neutral message, or a field error. */
export function buildTemplateMessage(
  to: string,
  template: TemplateRef,
  input: ApiSendInput,
  now = Date.now(),
): TemplateMessage {
  const { params } = template;
  const extras = input.extras ?? {};
  const problems = new Problems();
  const actions = params.actions ?? [];
  const has = (type: NonNullable<TemplateParams["actions"]>[number]["type"]) => actions.find((a) => a.type === type);
  const layout = parameterLayout(params);

  // An authentication template's one value is its code: `otpCode`, or the seed style's one parameter.
  const otp = has("OTP");
  let given = input.templateParams;
  if (extras.otpCode !== undefined) {
    if (!otp) problems.add("otpCode", "the campaign's template has no OTP button: leave otpCode out");
    else if (given.length > 0) problems.add("templateParams", "leave templateParams out when otpCode is given");
    else given = Array.from({ length: layout.total }, () => extras.otpCode ?? "");
  }
  if (given.length !== layout.total) {
    problems.add(
      "templateParams",
      `the campaign's template "${template.name}" needs ${layout.total} parameter${plural(layout.total)}${describeLayout(layout)}; got ${given.length}`,
    );
    problems.throwIfAny();
  }
  for (const [i, value] of given.entries()) problems.value(`templateParams.${i}`, value);

  const format = params.header?.format;
  const isMedia = format === "IMAGE" || format === "VIDEO" || format === "DOCUMENT";
  const headerMedia = mediaRef({ url: input.media?.url, id: extras.media?.id });
  if (isMedia && !headerMedia) {
    problems.add(
      "media",
      `the campaign's template has ${format === "IMAGE" ? "an" : "a"} ${format} header: media.url, media.id or media.file is required`,
    );
  }
  if (!isMedia && headerMedia) problems.add("media", "the campaign's template has no media header: leave media out");
  if (format === "LOCATION" && !input.location) {
    problems.add(
      "location",
      "the campaign's template has a LOCATION header: location (latitude, longitude, name, address) is required",
    );
  }
  if (format !== "LOCATION" && input.location) {
    problems.add("location", "the campaign's template has no LOCATION header: leave location out");
  }

  // Where each body value comes from in templateParams: by position, or by name.
  const names = params.names;
  const bodySources = names
    ? names.body.map((name) => layout.named?.indexOf(name) ?? -1)
    : Array.from({ length: layout.body }, (_, i) => layout.header + i);

  // Typed values: only body values; header text and URL suffixes are always text.
  const typed: NonNullable<TemplateMessage["typed"]> = [];
  for (const [key, kind] of Object.entries(extras.paramTypes ?? {})) {
    const position = bodySources.indexOf(Number(key));
    if (position < 0) problems.add(`paramTypes.${key}`, "must be the index of a body value in templateParams");
    else typed.push({ index: position, ...kind });
  }

  const buttons: ButtonParameter[] = [];
  const quickReplies = extras.quickReplyPayloads ?? [];
  if (quickReplies.length > params.quickReplies.length) {
    problems.add(
      "quickReplyPayloads",
      `the campaign's template has ${params.quickReplies.length} quick-reply button${plural(params.quickReplies.length)}; got ${quickReplies.length} payloads`,
    );
  }
  quickReplies.forEach((payload, i) => {
    const index = params.quickReplies[i];
    if (index !== undefined) buttons.push({ index, subType: "quick_reply", payload });
  });
  let next = layout.values;
  for (const button of params.buttons) {
    const text = given[next] ?? "";
    next += button.params;
    buttons.push({ index: button.index, subType: "url", text });
  }
  if (otp) buttons.push({ index: otp.index, subType: "url", text: given[layout.header] ?? "" });

  const coupon = has("COPY_CODE");
  if (coupon && extras.couponCode === undefined) {
    problems.add("couponCode", "the campaign's template has a COPY_CODE button: couponCode is required");
  } else if (coupon && extras.couponCode !== undefined) {
    buttons.push({ index: coupon.index, subType: "copy_code", couponCode: extras.couponCode });
  } else if (extras.couponCode !== undefined) {
    problems.add("couponCode", "the campaign's template has no COPY_CODE button: leave couponCode out");
  }
  const flow = has("FLOW");
  if (flow && extras.flow) {
    buttons.push({
      index: flow.index,
      subType: "flow",
      ...(extras.flow.token !== undefined ? { flowToken: extras.flow.token } : {}),
      ...(extras.flow.actionData !== undefined ? { flowActionData: extras.flow.actionData } : {}),
    });
  } else if (!flow && extras.flow) problems.add("flow", "the campaign's template has no FLOW button: leave flow out");
  const catalog = has("CATALOG");
  if (catalog) {
    const thumbnail = extras.catalog?.thumbnailProductRetailerId;
    buttons.push({
      index: catalog.index,
      subType: "catalog",
      ...(thumbnail !== undefined ? { thumbnailProductRetailerId: thumbnail } : {}),
    });
  } else if (extras.catalog)
    problems.add("catalog", "the campaign's template has no CATALOG button: leave catalog out");
  const mpm = has("MPM");
  if (mpm && !extras.products) {
    problems.add(
      "products",
      "the campaign's template has an MPM button: products (thumbnail and sections) is required",
    );
  } else if (mpm && extras.products) {
    buttons.push({ index: mpm.index, subType: "mpm", ...extras.products });
  } else if (extras.products) problems.add("products", "the campaign's template has no MPM button: leave products out");
  buttons.sort((a, b) => a.index - b.index);

  if (params.offer?.expires && extras.offerExpiresAt === undefined) {
    problems.add(
      "offerExpiresAt",
      "the campaign's template is a limited-time offer with an expiration: it is required",
    );
  } else if (!params.offer?.expires && extras.offerExpiresAt !== undefined) {
    problems.add(
      "offerExpiresAt",
      "the campaign's template is not a limited-time offer with an expiration: leave it out",
    );
  } else if (extras.offerExpiresAt !== undefined && extras.offerExpiresAt <= now) {
    problems.add("offerExpiresAt", "is in the past");
  }
  if (extras.expiresAt !== undefined && extras.expiresAt <= now) {
    problems.add("expiresAt", "is in the past: an expired message is never sent");
  }

  const cards = cardMessages(params, extras, problems);
  problems.throwIfAny();

  let header: HeaderParameter | undefined;
  const headerName = names?.header[0];
  const headerText = headerName !== undefined ? given[layout.named?.indexOf(headerName) ?? 0] : given[0];
  if (format === "TEXT" && layout.header > 0) header = { type: "text", text: headerText ?? "" };
  else if ((format === "IMAGE" || format === "VIDEO") && headerMedia)
    header = { type: format === "IMAGE" ? "image" : "video", ...headerMedia };
  else if (format === "DOCUMENT" && headerMedia) {
    const filename = input.media?.filename || extras.media?.filename;
    header = { type: "document", ...headerMedia, ...(filename ? { filename } : {}) };
  } else if (format === "LOCATION" && input.location) header = { type: "location", ...input.location };

  return {
    to,
    template: { name: template.name, language: template.language, category: template.category },
    ...(header ? { header } : {}),
    body: bodySources.map((i) => given[i] ?? ""),
    ...(buttons.length > 0 ? { buttons } : {}),
    ...(names ? { names: { ...(layout.header > 0 ? { header: names.header[0] } : {}), body: names.body } } : {}),
    ...(typed.length > 0 ? { typed } : {}),
    ...(extras.offerExpiresAt !== undefined ? { offerExpiresAt: extras.offerExpiresAt } : {}),
    ...(cards ? { cards } : {}),
    ...(extras.expiresAt !== undefined ? { expiresAt: extras.expiresAt } : {}),
  };
}
