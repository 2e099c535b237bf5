// The checks Meta runs on a send's content: a template send's components against the approved
// template, and a text message's body.
import { graphError, invalidParameter } from "./errors.ts";
import { isObject, str, upper } from "./http.ts";
import { findComponent, isCoordinate, MEDIA_FORMATS, parametersOf, placeholderCount } from "./template-rules.ts";
import type { Component, StoredTemplate } from "./types.ts";

/** Checks a send's components against the template, as Meta does; null when they match. */
export function checkComponents(template: StoredTemplate, components: Component[]): Response | null {
  const templateHeader = findComponent(template.components, "HEADER");
  const templateBody = findComponent(template.components, "BODY");
  const templateButtons = findComponent(template.components, "BUTTONS")?.buttons ?? [];

  // Header
  const header = findComponent(components, "HEADER");
  const headerParams = parametersOf(header);
  const format = upper(templateHeader?.format);
  if (format === "TEXT" || format === "") {
    const expected = format === "TEXT" ? placeholderCount(str(templateHeader?.text)) : 0;
    if (headerParams.length !== expected) {
      return graphError(132000, {
        details: `header: number of localizable_params (${headerParams.length}) does not match the expected number of params (${expected})`,
      });
    }
    for (const param of headerParams) {
      if (upper(param.type) !== "TEXT") {
        return graphError(132012, { details: `header: Format mismatch, expected TEXT, received ${upper(param.type)}` });
      }
    }
  } else {
    const [param] = headerParams;
    const received = upper(param?.type) || "NONE";
    if (headerParams.length !== 1 || received !== format) {
      return graphError(132012, { details: `header: Format mismatch, expected ${format}, received ${received}` });
    }
    const value = param?.[format.toLowerCase()] as Record<string, unknown> | undefined;
    if (MEDIA_FORMATS.includes(format) && !(str(value?.link) || str(value?.id))) {
      return graphError(131008, { details: `header: ${format.toLowerCase()} requires a link or an id` });
    }
    if (format === "LOCATION" && !(isCoordinate(value?.latitude) && isCoordinate(value?.longitude))) {
      return graphError(131008, { details: "header: location requires latitude and longitude" });
    }
  }

  // Body
  const bodyParams = parametersOf(findComponent(components, "BODY"));
  const expectedBody = placeholderCount(str(templateBody?.text));
  if (bodyParams.length !== expectedBody) {
    return graphError(132000, {
      details: `body: number of localizable_params (${bodyParams.length}) does not match the expected number of params (${expectedBody})`,
    });
  }
  for (const param of bodyParams) {
    if (upper(param.type) !== "TEXT" || typeof param.text !== "string") {
      return graphError(132012, { details: `body: Format mismatch, expected TEXT, received ${upper(param.type)}` });
    }
  }

  // Buttons
  const given = new Map<number, Component>();
  for (const component of components) {
    if (upper(component.type) !== "BUTTON") continue;
    const index = Number(component.index);
    if (component.index === undefined || !Number.isInteger(index)) {
      return invalidParameter("buttons: index is required", "(#100) The parameter components['index'] is required.");
    }
    const button = templateButtons[index];
    if (!button) return invalidParameter(`buttons: the template has no button at index ${index}`);
    const subType = upper(component.sub_type);
    const [param] = parametersOf(component);
    if (subType === "QUICK_REPLY") {
      if (upper(button.type) !== "QUICK_REPLY") {
        return invalidParameter(`buttons: button at index ${index} is not a quick reply`);
      }
      if (upper(param?.type) !== "PAYLOAD" || typeof param?.payload !== "string") {
        return graphError(131008, { details: `buttons: quick reply at index ${index} requires a payload parameter` });
      }
    } else if (subType === "URL") {
      if (upper(button.type) !== "URL" || placeholderCount(str(button.url)) === 0) {
        return invalidParameter(`buttons: button at index ${index} takes no url parameter`);
      }
      if (upper(param?.type) !== "TEXT" || !str(param?.text)) {
        return graphError(131008, { details: `buttons: url button at index ${index} requires a text parameter` });
      }
    } else {
      return invalidParameter(`buttons: unsupported sub_type ${str(component.sub_type)}`);
    }
    given.set(index, component);
  }
  for (const [index, button] of templateButtons.entries()) {
    if (upper(button.type) === "URL" && placeholderCount(str(button.url)) > 0 && !given.has(index)) {
      return graphError(131008, { details: `buttons: url button at index ${index} requires a parameter` });
    }
  }
  return null;
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
