import { randomBytes, toHex } from "../../platform/crypto";
import type { TemplateButton, TemplateCategory, TemplateDefinition } from "../../whatsapp/provider";
import { LANGUAGE_PATTERN, LIMITS } from "../templates/definition-rules";

// From a broadcast campaign to the WhatsApp template that carries it.

/** The categories a broadcast campaign may use: AUTHENTICATION templates take no free text or buttons. */
export const BROADCAST_CATEGORIES = ["MARKETING", "UTILITY"] as const satisfies readonly TemplateCategory[];
export type BroadcastCategory = (typeof BROADCAST_CATEGORIES)[number];

export const DEFAULT_LANGUAGE = "en_US";

// The title's part of a template name; the random suffix keeps names unique even for titles that
// differ only in punctuation, and Meta blocks a deleted name for 30 days.
const NAME_STEM_MAX = 60;

/** A template name from the campaign title: lowercase [a-z0-9_], then `_` and 8 hex characters. */
export function templateNameFor(title: string): string {
  const stem =
    title
      .normalize("NFKD")
      // Accents fall away (é → e) rather than splitting words.
      .replace(/\p{M}/gu, "")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "_")
      .replace(/^_+|_+$/g, "")
      .slice(0, NAME_STEM_MAX)
      .replace(/_+$/, "") || "campaign";
  return `${stem}_${toHex(randomBytes(4))}`.slice(0, LIMITS.name);
}

/**
 * Meta's language code from what a client wrote. The reference document's default is written
 * `enUS`; `en-US` and `en_us` are read the same way. Anything else is returned as given and
 * checked against Meta's code shapes by the template validator.
 */
export function normalizeLanguage(code: string): string {
  const trimmed = code.trim();
  const m = /^([A-Za-z]{2,3})[-_]?([A-Za-z]{2}|\d{3})$/.exec(trimmed);
  if (m?.[1] && m[2]) return `${m[1].toLowerCase()}_${m[2].toUpperCase()}`;
  if (/^[A-Za-z]{2,3}$/.test(trimmed)) return trimmed.toLowerCase();
  return trimmed;
}

export const isLanguage = (code: string) => LANGUAGE_PATTERN.test(code);

export interface TemplateSource {
  name: string;
  language: string;
  category: BroadcastCategory;
  /** The message with `{{name}}` placeholders (a NAMED template when it has any). */
  text: string;
  /** Whether the text has placeholders: its template is then NAMED. */
  named: boolean;
  /** An image header (by imgUrl or imgMedia). */
  image: boolean;
  buttons: TemplateButton[];
}

export function templateDefinition(source: TemplateSource): TemplateDefinition {
  return {
    name: source.name,
    language: source.language,
    category: source.category,
    ...(source.named ? { parameterFormat: "NAMED" as const } : {}),
    ...(source.image ? { header: { format: "IMAGE" as const } } : {}),
    body: { text: source.text },
    ...(source.buttons.length > 0 ? { buttons: source.buttons } : {}),
  };
}
