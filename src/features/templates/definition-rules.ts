import type { TemplateButton, TemplateDefinition } from "../../whatsapp/provider";

// Meta's rules for a template, checked before it is submitted, so that a manager learns every
// problem at once and field by field instead of one Graph API error at a time. Limits are those of
// Meta's template components reference; lengths count characters (code points), not UTF-16 units.

export const LIMITS = {
  name: 512,
  body: 1024,
  header: 60,
  footer: 60,
  buttons: 10,
  urlButtons: 2,
  phoneButtons: 1,
  buttonText: 25,
  url: 2000,
} as const;

const NAME_PATTERN = /^[a-z0-9_]+$/;
// ll, lll, ll_CC (en_US, pt_BR) and ll_NNN (es_419): the shapes of Meta's language codes.
export const LANGUAGE_PATTERN = /^[a-z]{2,3}(_([A-Z]{2}|\d{3}))?$/;
// E.164: up to 15 digits after the country code's first digit; the plus is optional, as in Meta's examples.
const PHONE_PATTERN = /^\+?[1-9]\d{6,14}$/;
const URL_PATTERN = /^https?:\/\/[^\s/?#]+/i;
// Anything between double braces is meant as a placeholder; only `{{n}}` (n ≥ 1) is one.
const TOKEN = /\{\{([^{}]*)\}\}/g;
const POSITIONAL = /^[1-9]\d*$/;

export interface Issue {
  path: (string | number)[];
  message: string;
}

const chars = (text: string) => [...text].length;

interface Placeholders {
  /** Numbers in order of appearance, repeats included. */
  numbers: number[];
  /** Tokens like `{{name}}` or `{{ 1 }}` that are not positional placeholders. */
  invalid: string[];
}

function scanPlaceholders(text: string): Placeholders {
  const numbers: number[] = [];
  const invalid: string[] = [];
  for (const match of text.matchAll(TOKEN)) {
    const inner = match[1] ?? "";
    if (POSITIONAL.test(inner)) numbers.push(Number(inner));
    else invalid.push(match[0]);
  }
  return { numbers, invalid };
}

/** How many distinct `{{n}}` placeholders a text has (what a send must supply for it). */
export const placeholderCount = (text: string) => new Set(scanPlaceholders(text).numbers).size;

const list = (numbers: number[]) => numbers.map((n) => `{{${n}}}`).join(", ");

/**
 * Numbered placeholders must be `{{1}}`…`{{n}}` with none missing, and each number must first appear
 * after the one before it (a number may be repeated once introduced).
 */
function sequenceIssues(numbers: number[]): string[] {
  if (numbers.length === 0) return [];
  const distinct = new Set(numbers);
  const max = Math.max(...distinct);
  const missing: number[] = [];
  for (let n = 1; n <= max; n++) if (!distinct.has(n)) missing.push(n);
  if (missing.length > 0) {
    const which = missing.length === 1 ? `${list(missing)} is missing` : `${list(missing)} are missing`;
    return [`${which}: placeholders must be numbered {{1}} to {{${max}}} without gaps`];
  }
  let next = 1;
  for (const n of numbers) {
    if (n < next) continue; // a repeat of one already introduced
    if (n > next) return [`placeholders must first appear in order: {{${n}}} appears before {{${next}}}`];
    next++;
  }
  return [];
}

function textIssues(text: string, max: number): string[] {
  if (text.trim().length === 0) return ["must not be empty"];
  const length = chars(text);
  if (length > max) return [`must be at most ${max} characters; got ${length}`];
  return [];
}

const invalidTokens = (invalid: string[]) =>
  invalid.length === 0 ? [] : [`${invalid.join(", ")} is not a placeholder: use numbered ones, {{1}}, {{2}}, …`];

function bodyIssues(body: TemplateDefinition["body"]): Issue[] {
  const issues: Issue[] = [];
  const add = (path: (string | number)[], messages: string[]) => {
    for (const message of messages) issues.push({ path, message });
  };
  const { numbers, invalid } = scanPlaceholders(body.text);
  add(["body", "text"], textIssues(body.text, LIMITS.body));
  add(["body", "text"], invalidTokens(invalid));
  const sequence = sequenceIssues(numbers);
  add(["body", "text"], sequence);
  const trimmed = body.text.trim();
  if (/^\{\{[^{}]*\}\}/.test(trimmed)) add(["body", "text"], ["must not start with a placeholder"]);
  if (/\{\{[^{}]*\}\}$/.test(trimmed)) add(["body", "text"], ["must not end with a placeholder"]);
  if (body.examples !== undefined && sequence.length === 0 && invalid.length === 0) {
    const needed = new Set(numbers).size;
    if (body.examples.length !== needed) {
      add(
        ["body", "examples"],
        [`must have one example per placeholder: the text has ${needed}, got ${body.examples.length}`],
      );
    }
    body.examples.forEach((example, i) => {
      if (example.trim().length === 0) add(["body", "examples", i], ["must not be empty"]);
    });
  }
  return issues;
}

function headerIssues(header: NonNullable<TemplateDefinition["header"]>): Issue[] {
  const issues: Issue[] = [];
  if (header.format === "TEXT") {
    for (const message of textIssues(header.text, LIMITS.header)) issues.push({ path: ["header", "text"], message });
    const { numbers, invalid } = scanPlaceholders(header.text);
    for (const message of invalidTokens(invalid)) issues.push({ path: ["header", "text"], message });
    if (numbers.length > 1) {
      issues.push({ path: ["header", "text"], message: "may have at most one placeholder, {{1}}" });
    } else if (numbers.length === 1 && numbers[0] !== 1) {
      issues.push({ path: ["header", "text"], message: `its placeholder must be {{1}}, not {{${numbers[0]}}}` });
    }
    if (header.example !== undefined) {
      if (numbers.length === 0) {
        issues.push({ path: ["header", "example"], message: "is given but the header text has no {{1}}" });
      } else if (header.example.trim().length === 0) {
        issues.push({ path: ["header", "example"], message: "must not be empty" });
      }
    }
  } else if (header.format !== "LOCATION" && header.example !== undefined && header.example.trim().length === 0) {
    issues.push({ path: ["header", "example"], message: "must be a media handle from Meta's upload API" });
  }
  return issues;
}

function footerIssues(footer: NonNullable<TemplateDefinition["footer"]>): Issue[] {
  const issues = textIssues(footer.text, LIMITS.footer).map((message) => ({ path: ["footer", "text"], message }));
  if (/\{\{[^{}]*\}\}/.test(footer.text))
    issues.push({ path: ["footer", "text"], message: "must not have placeholders" });
  return issues;
}

function urlIssues(button: Extract<TemplateButton, { type: "URL" }>, index: number): Issue[] {
  const issues: Issue[] = [];
  const path = ["buttons", index, "url"];
  const { url } = button;
  if (chars(url) > LIMITS.url) issues.push({ path, message: `must be at most ${LIMITS.url} characters` });
  const tokens = [...url.matchAll(TOKEN)].map((m) => m[0]);
  let base = url;
  if (tokens.length > 1 || tokens.some((t) => t !== "{{1}}")) {
    issues.push({ path, message: "may have one placeholder, {{1}}, and only at its end" });
  } else if (tokens.length === 1) {
    if (!url.endsWith("{{1}}")) issues.push({ path, message: "may have {{1}} only at its end" });
    base = url.replace("{{1}}", "");
  }
  let parses = URL_PATTERN.test(base);
  if (parses) {
    try {
      new URL(base);
    } catch {
      parses = false;
    }
  }
  if (!parses) issues.push({ path, message: "must be an http:// or https:// URL" });
  if (button.example !== undefined) {
    if (tokens.length === 0) {
      issues.push({ path: ["buttons", index, "example"], message: "is given but the url has no {{1}}" });
    } else if (button.example.trim().length === 0) {
      issues.push({ path: ["buttons", index, "example"], message: "must not be empty" });
    }
  }
  return issues;
}

function buttonIssues(buttons: TemplateButton[]): Issue[] {
  const issues: Issue[] = [];
  if (buttons.length > LIMITS.buttons) {
    // This also bounds quick replies, which Meta limits to 10 of their own.
    issues.push({
      path: ["buttons"],
      message: `a template may have at most ${LIMITS.buttons} buttons; got ${buttons.length}`,
    });
  }
  let urls = 0;
  let phones = 0;
  buttons.forEach((button, i) => {
    for (const message of textIssues(button.text, LIMITS.buttonText))
      issues.push({ path: ["buttons", i, "text"], message });
    if (button.type === "URL") {
      urls++;
      if (urls === LIMITS.urlButtons + 1) {
        issues.push({ path: ["buttons", i], message: `a template may have at most ${LIMITS.urlButtons} URL buttons` });
      }
      issues.push(...urlIssues(button, i));
    } else if (button.type === "PHONE_NUMBER") {
      phones++;
      if (phones === LIMITS.phoneButtons + 1) {
        issues.push({
          path: ["buttons", i],
          message: `a template may have at most ${LIMITS.phoneButtons} phone number button`,
        });
      }
      if (!PHONE_PATTERN.test(button.phoneNumber)) {
        issues.push({
          path: ["buttons", i, "phoneNumber"],
          message: "must be a phone number with its country code, digits only, e.g. +15550051310",
        });
      }
    }
  });
  // Quick replies and call-to-action buttons form two groups, in either order, never interleaved.
  let runs = 0;
  for (let i = 0; i < buttons.length; i++) {
    const isQuickReply = buttons[i]?.type === "QUICK_REPLY";
    if (i === 0 || isQuickReply !== (buttons[i - 1]?.type === "QUICK_REPLY")) runs++;
    if (runs === 3) {
      issues.push({
        path: ["buttons", i],
        message: "quick reply buttons must be grouped together, before or after the URL and phone number buttons",
      });
      break;
    }
  }
  return issues;
}

/** Every way a definition breaks Meta's rules, each with the path of the offending field. */
export function templateIssues(definition: TemplateDefinition): Issue[] {
  const issues: Issue[] = [];
  const { name, language } = definition;
  if (name.length === 0) issues.push({ path: ["name"], message: "must not be empty" });
  else if (name.length > LIMITS.name)
    issues.push({ path: ["name"], message: `must be at most ${LIMITS.name} characters` });
  else if (!NAME_PATTERN.test(name)) {
    issues.push({ path: ["name"], message: "may contain only lowercase letters, digits and underscores" });
  }
  if (!LANGUAGE_PATTERN.test(language)) {
    issues.push({ path: ["language"], message: "must be a language code such as en, en_US or pt_BR" });
  }
  if (definition.header) issues.push(...headerIssues(definition.header));
  issues.push(...bodyIssues(definition.body));
  if (definition.footer) issues.push(...footerIssues(definition.footer));
  if (definition.buttons) issues.push(...buttonIssues(definition.buttons));
  if (definition.category === "AUTHENTICATION") {
    // Meta builds authentication templates from its own parts (a one-time-password button, a preset
    // body); a header or custom buttons are rejected.
    if (definition.header)
      issues.push({ path: ["header"], message: "an AUTHENTICATION template cannot have a header" });
    if (definition.buttons && definition.buttons.length > 0) {
      issues.push({
        path: ["buttons"],
        message: "an AUTHENTICATION template cannot have QUICK_REPLY, URL or PHONE_NUMBER buttons",
      });
    }
  }
  return issues;
}
