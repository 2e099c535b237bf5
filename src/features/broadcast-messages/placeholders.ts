// A broadcast message names its variables as `{group.field}` (the reference document's
// `{users.first_name}`); its WhatsApp template is a NAMED one, `{{first_name}}`, each reference
// named after its field in order of first appearance. This module turns one into the other and
// keeps the order, so that a send fills each name with the value of its reference. (Campaigns
// made before were POSITIONAL, `{{1}}`, `{{2}}`…; their template's format says which it is.)

// Any single-braced span is meant as a placeholder. Double braces are looked at separately: they
// are the template syntax itself and would be read by WhatsApp as its own placeholders.
const SPAN = /\{([^{}]*)\}/g;

export interface VariableRef {
  group: string;
  field: string;
}

/** "group.field" — the key under which a variable is stored and looked up. */
export const refKey = (ref: VariableRef) => `${ref.group}.${ref.field}`;

/**
 * The reference inside braces. The field follows the LAST dot: group ids may contain dots
 * (`[A-Za-z0-9_.:-]`), variable names never need one.
 */
export function parseRef(inner: string): VariableRef | null {
  const dot = inner.lastIndexOf(".");
  if (dot < 0) return null;
  const group = inner.slice(0, dot).trim();
  const field = inner.slice(dot + 1).trim();
  if (!group || !field) return null;
  return { group, field };
}

/** Splits "group.field" (as stored in a campaign's `variables`) back into its parts. */
export function splitRefKey(key: string): VariableRef {
  return parseRef(key) ?? { group: key, field: "" };
}

export interface NumberedText {
  /** The text with `{{name}}` in place of each `{group.field}`. */
  text: string;
  /** "group.field" of each placeholder: each distinct reference once, in order of first appearance. */
  variables: string[];
  /** The template's parameter name of each of `variables`, in the same order. */
  names: string[];
  /** Why the text cannot become a template; empty when it can. */
  problems: string[];
}

function bracesProblem(text: string): string | null {
  if (/\{\{|\}\}/.test(text)) {
    return "double braces ({{…}}) are not allowed: write variables as {group.field}, e.g. {users.first_name}";
  }
  return null;
}

/** Meta's parameter names: lowercase letters, digits and underscores, not starting with a digit. */
const clean = (text: string) =>
  text
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .replace(/^_+|_+$/g, "");

/**
 * The parameter name of a reference: its field (`first_name`); its group and field when another
 * reference took the field's name (`orders_name` beside `users.name`'s `name`); then a number.
 */
function paramName(ref: VariableRef, taken: string[]): string {
  const valid = (name: string) => (/^[0-9]/.test(name) ? `v_${name}` : name || "value");
  let base = valid(clean(ref.field));
  if (taken.includes(base)) base = valid(clean(`${ref.group}_${ref.field}`));
  let name = base;
  for (let n = 2; taken.includes(name); n++) name = `${base}_${n}`;
  return name;
}

/** Names the message's `{group.field}` placeholders; the same reference twice gets one name. */
export function numberPlaceholders(message: string): NumberedText {
  const problems: string[] = [];
  const doubled = bracesProblem(message);
  if (doubled) return { text: message, variables: [], names: [], problems: [doubled] };
  const variables: string[] = [];
  const names: string[] = [];
  const invalid: string[] = [];
  const text = message.replace(SPAN, (span, inner: string) => {
    const ref = parseRef(inner);
    if (!ref) {
      invalid.push(span);
      return span;
    }
    const key = refKey(ref);
    let index = variables.indexOf(key);
    if (index < 0) index = variables.push(key) - 1;
    names[index] ??= paramName(ref, names);
    return `{{${names[index]}}}`;
  });
  if (invalid.length > 0) {
    problems.push(
      `${[...new Set(invalid)].join(", ")} ${invalid.length === 1 ? "is not a variable" : "are not variables"}: write {group.field}, naming a variable group and one of its fields, e.g. {users.first_name}`,
    );
  }
  // A brace left over after the spans were read opens or closes nothing.
  if (/[{}]/.test(text.replace(/\{\{[a-z0-9_]+\}\}/g, "").replace(SPAN, ""))) {
    problems.push("has an unmatched { or }: variables are written {group.field}");
  }
  return { text, variables, names, problems };
}

export interface UrlWithVariable {
  /** The URL with `{{1}}` in place of its trailing `{group.field}`, or as given when it has none. */
  url: string;
  /** "group.field" of the suffix, or null for a static URL. */
  variable: string | null;
  problems: string[];
}

/**
 * A URL button may end in one `{group.field}`: WhatsApp appends a per-recipient suffix to a fixed
 * base (Meta allows one `{{1}}`, at the end of the URL only).
 */
export function urlPlaceholder(url: string): UrlWithVariable {
  const doubled = bracesProblem(url);
  if (doubled) return { url, variable: null, problems: [doubled] };
  const spans = [...url.matchAll(SPAN)];
  if (spans.length === 0) {
    return /[{}]/.test(url)
      ? { url, variable: null, problems: ["has an unmatched { or }"] }
      : { url, variable: null, problems: [] };
  }
  const last = spans[spans.length - 1];
  const ref = last ? parseRef(last[1] ?? "") : null;
  if (spans.length > 1 || !last || last.index + last[0].length !== url.length || !ref) {
    return {
      url,
      variable: null,
      problems: ["may end in one variable, {group.field} (a per-recipient suffix), and have none elsewhere"],
    };
  }
  const base = url.slice(0, last.index);
  if (/[{}]/.test(base)) return { url, variable: null, problems: ["has an unmatched { or }"] };
  return { url: `${base}{{1}}`, variable: refKey(ref), problems: [] };
}
