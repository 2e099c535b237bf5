import type { TemplateParams } from "./types";

/**
 * The labels of `templateParams`, in the order the send takes them: a NAMED template's names
 * (header first, then the body's new ones), otherwise the text header's {{1}}, the body's
 * {{1}}…{{n}}; then each URL button's suffix.
 */
export function paramSlots(p: TemplateParams): string[] {
  const slots: string[] = [];
  if (p.names) {
    const seen = new Set<string>();
    for (const name of [...p.names.header, ...p.names.body]) {
      if (seen.has(name)) continue;
      seen.add(name);
      slots.push(`{{${name}}}`);
    }
  } else {
    if (p.header?.format === "TEXT") for (let i = 1; i <= p.header.params; i++) slots.push(`Header {{${i}}}`);
    for (let i = 1; i <= p.body; i++) slots.push(`Body {{${i}}}`);
  }
  for (const b of p.buttons) for (let i = 0; i < b.params; i++) slots.push(`Button ${b.index + 1} URL suffix`);
  return slots;
}

export const takesMedia = (p: TemplateParams) =>
  p.header?.format === "IMAGE" || p.header?.format === "VIDEO" || p.header?.format === "DOCUMENT";

export const takesLocation = (p: TemplateParams) => p.header?.format === "LOCATION";
