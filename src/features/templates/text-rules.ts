import type { ParameterFormat, TemplateDefinition } from "../../whatsapp/provider";
import { LIMITS } from "./limits";

// The rules for a template's texts and their placeholders, positional (`{{1}}`) or named
// (`{{first_name}}`); lengths count characters (code points), not UTF-16 units.

// Anything between double braces is meant as a placeholder; only `{{n}}` (n ≥ 1) is one.
const TOKEN = /\{\{([^{}]*)\}\}/g;
const POSITIONAL = /^[1-9]\d*$/;
// Meta's named parameters: lowercase letters, digits and underscores, not starting with a digit.
const NAMED = /^[a-z_][a-z0-9_]*$/;

export interface Issue {
  path: (string | number)[];
  message: string;
}

export const chars = (text: string) => [...text].length;

interface Placeholders {
  /** Numbers in order of appearance, repeats included (POSITIONAL). */
  numbers: number[];
  /** Names in order of appearance, repeats included (NAMED). */
  names: string[];
  /** Tokens that are not placeholders of the template's format, like `{{name}}` in a positional one. */
  invalid: string[];
}

function scanPlaceholders(text: string, format: ParameterFormat = "POSITIONAL"): Placeholders {
  const numbers: number[] = [];
  const names: string[] = [];
  const invalid: string[] = [];
  for (const match of text.matchAll(TOKEN)) {
    const inner = match[1] ?? "";
    if (format === "POSITIONAL" && POSITIONAL.test(inner)) numbers.push(Number(inner));
    else if (format === "NAMED" && NAMED.test(inner)) names.push(inner);
    else invalid.push(match[0]);
  }
  return { numbers, names, invalid };
}

/** How many distinct `{{n}}` placeholders a text has (what a send must supply for it). */
export const placeholderCount = (text: string) => new Set(scanPlaceholders(text).numbers).size;

/** The distinct `{{name}}` placeholders of a NAMED template's text, in order of first appearance. */
export const placeholderNames = (text: string) => [...new Set(scanPlaceholders(text, "NAMED").names)];

/** What a send fills for a text: its distinct placeholders, whichever the format. */
export const parameterCount = (text: string, format: ParameterFormat = "POSITIONAL") =>
  format === "NAMED" ? placeholderNames(text).length : placeholderCount(text);

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

export function textIssues(text: string, max: number): string[] {
  if (text.trim().length === 0) return ["must not be empty"];
  const length = chars(text);
  if (length > max) return [`must be at most ${max} characters; got ${length}`];
  return [];
}

const invalidTokens = (invalid: string[], format: ParameterFormat = "POSITIONAL") =>
  invalid.length === 0
    ? []
    : format === "NAMED"
      ? [
          `${invalid.join(", ")} is not a named placeholder: use lowercase names, {{first_name}}, {{order_id}}, … (parameterFormat is NAMED)`,
        ]
      : [
          `${invalid.join(", ")} is not a placeholder: use numbered ones, {{1}}, {{2}}, … (or set parameterFormat to NAMED for {{first_name}})`,
        ];

export function bodyIssues(
  body: TemplateDefinition["body"],
  format: ParameterFormat = "POSITIONAL",
  at: (string | number)[] = ["body"],
  max: number = LIMITS.body,
): Issue[] {
  const issues: Issue[] = [];
  const add = (path: (string | number)[], messages: string[]) => {
    for (const message of messages) issues.push({ path, message });
  };
  const { numbers, names, invalid } = scanPlaceholders(body.text, format);
  add([...at, "text"], textIssues(body.text, max));
  add([...at, "text"], invalidTokens(invalid, format));
  const sequence = format === "NAMED" ? [] : sequenceIssues(numbers);
  add([...at, "text"], sequence);
  const trimmed = body.text.trim();
  if (/^\{\{[^{}]*\}\}/.test(trimmed)) add([...at, "text"], ["must not start with a placeholder"]);
  if (/\{\{[^{}]*\}\}$/.test(trimmed)) add([...at, "text"], ["must not end with a placeholder"]);
  if (body.examples !== undefined && sequence.length === 0 && invalid.length === 0) {
    const needed = format === "NAMED" ? new Set(names).size : new Set(numbers).size;
    if (body.examples.length !== needed) {
      const order = format === "NAMED" ? ", in the order the names first appear" : "";
      add(
        [...at, "examples"],
        [`must have one example per placeholder${order}: the text has ${needed}, got ${body.examples.length}`],
      );
    }
    body.examples.forEach((example, i) => {
      if (example.trim().length === 0) add([...at, "examples", i], ["must not be empty"]);
    });
  }
  return issues;
}

export function headerIssues(header: NonNullable<TemplateDefinition["header"]>, format: ParameterFormat): Issue[] {
  const issues: Issue[] = [];
  if (header.format === "TEXT") {
    for (const message of textIssues(header.text, LIMITS.header)) issues.push({ path: ["header", "text"], message });
    const { numbers, names, invalid } = scanPlaceholders(header.text, format);
    for (const message of invalidTokens(invalid, format)) issues.push({ path: ["header", "text"], message });
    if (format === "NAMED" && names.length > 1) {
      issues.push({ path: ["header", "text"], message: "may have at most one placeholder" });
    } else if (numbers.length > 1) {
      issues.push({ path: ["header", "text"], message: "may have at most one placeholder, {{1}}" });
    } else if (numbers.length === 1 && numbers[0] !== 1) {
      issues.push({ path: ["header", "text"], message: `its placeholder must be {{1}}, not {{${numbers[0]}}}` });
    }
    if (header.example !== undefined) {
      if (numbers.length + names.length === 0) {
        const which = format === "NAMED" ? "placeholder" : "{{1}}";
        issues.push({ path: ["header", "example"], message: `is given but the header text has no ${which}` });
      } else if (header.example.trim().length === 0) {
        issues.push({ path: ["header", "example"], message: "must not be empty" });
      }
    }
  } else if (header.format !== "LOCATION" && header.example !== undefined && header.example.trim().length === 0) {
    issues.push({ path: ["header", "example"], message: "must be a media handle from Meta's upload API" });
  }
  return issues;
}

export function footerIssues(footer: NonNullable<TemplateDefinition["footer"]>): Issue[] {
  const issues = textIssues(footer.text, LIMITS.footer).map((message) => ({ path: ["footer", "text"], message }));
  if (/\{\{[^{}]*\}\}/.test(footer.text))
    issues.push({ path: ["footer", "text"], message: "must not have placeholders" });
  return issues;
}
