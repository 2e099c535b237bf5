import type { TemplateButton, TemplateCategory, TemplateDefinition, TemplateHeader } from "../provider";

// The provider-neutral template definitions turned into the body of POST /{waba-id}/message_templates,
// and the component shapes Meta uses both there and in its answers. Pure functions, so each mapping
// is tested on its own and the provider only does HTTP.

/** The distinct positional placeholders `{{1}}`, `{{2}}`… of a text, as their numbers. */
export function placeholders(text: string): number[] {
  const seen = new Set<number>();
  for (const match of text.matchAll(/\{\{\s*(\d+)\s*\}\}/g)) seen.add(Number(match[1]));
  return [...seen].sort((a, b) => a - b);
}

/** How many values a text's placeholders take: the highest `{{n}}` (Meta numbers them 1…n). */
export const placeholderCount = (text: string) => placeholders(text).at(-1) ?? 0;

export interface MetaTemplateButton {
  type: string;
  text?: string;
  url?: string;
  phone_number?: string;
  example?: string[] | string;
}

export interface MetaTemplateComponent {
  type: string;
  format?: string;
  text?: string;
  example?: { header_text?: string[]; header_handle?: string[]; body_text?: string[][] };
  buttons?: MetaTemplateButton[];
}

export interface CreateTemplateBody {
  name: string;
  language: string;
  category: TemplateCategory;
  components: MetaTemplateComponent[];
}

const sample = (n: number) => `sample ${n}`;

/** A full example URL for a URL button: Meta wants the URL with its `{{1}}` filled in. */
function exampleUrl(url: string, example: string | undefined): string {
  const suffix = example ?? sample(1);
  if (/^https?:\/\//i.test(suffix)) return suffix;
  return url.replace(/\{\{\s*1\s*\}\}/, suffix);
}

function headerComponent(header: TemplateHeader): MetaTemplateComponent {
  if (header.format === "TEXT") {
    const count = placeholderCount(header.text);
    return {
      type: "HEADER",
      format: "TEXT",
      text: header.text,
      ...(count > 0 ? { example: { header_text: [header.example ?? sample(1)] } } : {}),
    };
  }
  if (header.format === "LOCATION") return { type: "HEADER", format: "LOCATION" };
  return {
    type: "HEADER",
    format: header.format,
    ...(header.example !== undefined ? { example: { header_handle: [header.example] } } : {}),
  };
}

function templateButton(button: TemplateButton): MetaTemplateButton {
  switch (button.type) {
    case "QUICK_REPLY":
      return { type: "QUICK_REPLY", text: button.text };
    case "URL":
      return {
        type: "URL",
        text: button.text,
        url: button.url,
        ...(placeholderCount(button.url) > 0 ? { example: [exampleUrl(button.url, button.example)] } : {}),
      };
    case "PHONE_NUMBER":
      return { type: "PHONE_NUMBER", text: button.text, phone_number: button.phoneNumber };
  }
}

/** The body of a template creation. Placeholders without an example get "sample 1", "sample 2"… */
export function createTemplateBody(definition: TemplateDefinition): CreateTemplateBody {
  const components: MetaTemplateComponent[] = [];
  if (definition.header) components.push(headerComponent(definition.header));
  const count = placeholderCount(definition.body.text);
  const examples = Array.from({ length: count }, (_, i) => definition.body.examples?.[i] ?? sample(i + 1));
  components.push({
    type: "BODY",
    text: definition.body.text,
    ...(count > 0 ? { example: { body_text: [examples] } } : {}),
  });
  if (definition.footer) components.push({ type: "FOOTER", text: definition.footer.text });
  if (definition.buttons && definition.buttons.length > 0) {
    components.push({ type: "BUTTONS", buttons: definition.buttons.map(templateButton) });
  }
  return { name: definition.name, language: definition.language, category: definition.category, components };
}
