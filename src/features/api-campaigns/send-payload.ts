import { ApiError, type FieldError, fieldError } from "../../platform/errors";
import type { ButtonParameter, HeaderParameter, TemplateMessage, TemplateParams } from "../../whatsapp/provider";
import { BAD_PARAM_TEXT } from "../templates/send-rules";

export interface ApiSendInput {
  templateParams: string[];
  media?: { url: string; filename?: string };
  location?: { latitude: number; longitude: number; name?: string; address?: string };
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
 * URL button's suffix.
 */
export function parameterLayout(params: TemplateParams) {
  const header = params.header?.format === "TEXT" ? params.header.params : 0;
  const buttons = params.buttons.reduce((sum, b) => sum + b.params, 0);
  return { header, body: params.body, buttons, total: header + params.body + buttons };
}

function describeLayout(layout: ReturnType<typeof parameterLayout>) {
  const parts = [
    layout.header > 0 ? `${layout.header} for the header` : null,
    layout.body > 0 ? `${layout.body} for the body` : null,
    layout.buttons > 0 ? `${layout.buttons} for URL buttons` : null,
  ].filter(Boolean);
  return parts.length > 0 ? ` (${parts.join(", ")}, in that order)` : "";
}

/** Turns a validated API-campaign request into the provider-neutral message, or a field error. */
export function buildTemplateMessage(to: string, template: TemplateRef, input: ApiSendInput): TemplateMessage {
  const { params } = template;
  const layout = parameterLayout(params);
  const given = input.templateParams;
  if (given.length !== layout.total) {
    throw fieldError(
      "templateParams",
      `the campaign's template "${template.name}" needs ${layout.total} parameter${layout.total === 1 ? "" : "s"}${describeLayout(layout)}; got ${given.length}`,
    );
  }
  const problems: FieldError[] = [];
  given.forEach((value, i) => {
    if (value.trim().length === 0)
      problems.push({ field: `templateParams.${i}`, in: "body", message: "must not be empty" });
    else if (BAD_PARAM_TEXT.test(value)) {
      problems.push({
        field: `templateParams.${i}`,
        in: "body",
        message: "must not contain new lines, tabs or more than four consecutive spaces (WhatsApp refuses them)",
      });
    }
  });

  const format = params.header?.format;
  const isMedia = format === "IMAGE" || format === "VIDEO" || format === "DOCUMENT";
  if (isMedia && !input.media) {
    problems.push({
      field: "media",
      in: "body",
      message: `the campaign's template has ${format === "IMAGE" ? "an" : "a"} ${format} header: media.url is required`,
    });
  }
  if (!isMedia && input.media) {
    problems.push({
      field: "media",
      in: "body",
      message: "the campaign's template has no media header: leave media out",
    });
  }
  if (format === "LOCATION" && !input.location) {
    problems.push({
      field: "location",
      in: "body",
      message:
        "the campaign's template has a LOCATION header: location (latitude, longitude, name, address) is required",
    });
  }
  if (format !== "LOCATION" && input.location) {
    problems.push({
      field: "location",
      in: "body",
      message: "the campaign's template has no LOCATION header: leave location out",
    });
  }
  if (problems.length > 0) {
    throw new ApiError("validation_failed", problems.map((p) => `${p.field}: ${p.message}`).join("; "), {
      fields: problems,
    });
  }

  let header: HeaderParameter | undefined;
  if (format === "TEXT" && layout.header > 0) header = { type: "text", text: given[0] ?? "" };
  else if (format === "IMAGE" && input.media) header = { type: "image", link: input.media.url };
  else if (format === "VIDEO" && input.media) header = { type: "video", link: input.media.url };
  else if (format === "DOCUMENT" && input.media) {
    header = {
      type: "document",
      link: input.media.url,
      ...(input.media.filename ? { filename: input.media.filename } : {}),
    };
  } else if (format === "LOCATION" && input.location) header = { type: "location", ...input.location };

  const body = given.slice(layout.header, layout.header + layout.body);
  let next = layout.header + layout.body;
  const buttons: ButtonParameter[] = params.buttons.map((button) => {
    const text = given[next] ?? "";
    next += button.params;
    return { index: button.index, subType: "url", text };
  });

  return {
    to,
    template: { name: template.name, language: template.language, category: template.category },
    ...(header ? { header } : {}),
    body,
    ...(buttons.length > 0 ? { buttons } : {}),
  };
}
