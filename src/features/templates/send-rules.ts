import type { CardParams, TemplateButton, TemplateDefinition, TemplateParams } from "../../whatsapp/provider";
import { placeholderCount, placeholderNames } from "./definition-rules";

// What a send of a template must supply, derived once from the definition and stored with the
// template, and what Meta accepts as a parameter's text. Each send path (API campaigns, broadcast
// runs) checks its own input shape against these.

// Meta refuses parameter text with new lines, tabs or more than four consecutive spaces (132018).
export const BAD_PARAM_TEXT = /[\n\t]| {5}/;

type Actions = NonNullable<TemplateParams["actions"]>;

function buttonParams(list: TemplateButton[]) {
  const buttons: TemplateParams["buttons"] = [];
  const quickReplies: number[] = [];
  const actions: Actions = [];
  list.forEach((button, index) => {
    switch (button.type) {
      case "URL":
        if (placeholderCount(button.url) > 0) buttons.push({ index, type: "URL", params: 1 });
        break;
      case "QUICK_REPLY":
        quickReplies.push(index);
        break;
      case "COPY_CODE":
      case "FLOW":
      case "CATALOG":
      case "MPM":
      case "OTP":
        actions.push({ index, type: button.type });
        break;
    }
  });
  return { buttons, quickReplies, actions };
}

/** What a send must supply for a template, derived from its definition. */
export function templateParams(definition: TemplateDefinition): TemplateParams {
  const { header } = definition;
  const named = definition.parameterFormat === "NAMED";
  const count = (text: string) => (named ? placeholderNames(text).length : placeholderCount(text));
  const { buttons, quickReplies, actions } = buttonParams(definition.buttons ?? []);
  const params: TemplateParams = {
    header: header
      ? { format: header.format, params: header.format === "TEXT" ? Math.min(count(header.text), 1) : 1 }
      : null,
    body: count(definition.body.text),
    buttons,
    quickReplies,
  };
  // Only what a template has is added, so that a plain template's params keep their first shape.
  if (named) {
    params.names = {
      header: header?.format === "TEXT" ? placeholderNames(header.text).slice(0, 1) : [],
      body: placeholderNames(definition.body.text),
    };
  }
  if (actions.length > 0) params.actions = actions;
  if (definition.offer) params.offer = { expires: definition.offer.hasExpiration };
  if (definition.cards) {
    params.cards = definition.cards.map((card): CardParams => {
      const cardButtons = buttonParams(card.buttons);
      return {
        header: { format: card.header.format },
        body: count(card.body.text),
        buttons: cardButtons.buttons,
        quickReplies: cardButtons.quickReplies,
      };
    });
  }
  return params;
}
