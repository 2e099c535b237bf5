import type { TemplateDefinition, TemplateParams } from "../../whatsapp/provider";
import { placeholderCount } from "./definition-rules";

// What a send of a template must supply, derived once from the definition and stored with the
// template, and what Meta accepts as a parameter's text. Each send path (API campaigns, broadcast
// runs) checks its own input shape against these.

// Meta refuses parameter text with new lines, tabs or more than four consecutive spaces (132018).
export const BAD_PARAM_TEXT = /[\n\t]| {5}/;

/** What a send must supply for a template, derived from its definition. */
export function templateParams(definition: TemplateDefinition): TemplateParams {
  const { header } = definition;
  const buttons: TemplateParams["buttons"] = [];
  const quickReplies: number[] = [];
  (definition.buttons ?? []).forEach((button, index) => {
    if (button.type === "URL" && placeholderCount(button.url) > 0) buttons.push({ index, type: "URL", params: 1 });
    if (button.type === "QUICK_REPLY") quickReplies.push(index);
  });
  return {
    header: header
      ? { format: header.format, params: header.format === "TEXT" ? Math.min(placeholderCount(header.text), 1) : 1 }
      : null,
    body: placeholderCount(definition.body.text),
    buttons,
    quickReplies,
  };
}
