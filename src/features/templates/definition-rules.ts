import type { TemplateDefinition } from "../../whatsapp/provider";
import { buttonIssues } from "./button-rules";
import { authenticationIssues, cardIssues, offerIssues } from "./kind-rules";
import { LIMITS } from "./limits";
import { bodyIssues, footerIssues, headerIssues, type Issue } from "./text-rules";
import { ttlIssues } from "./ttl-rules";

// Meta's rules for a template, checked before it is submitted, so that a manager learns every
// problem at once and field by field instead of one Graph API error at a time. Limits are those of
// Meta's template components reference; lengths count characters (code points), not UTF-16 units.

export { LIMITS } from "./limits";
export { type Issue, parameterCount, placeholderCount, placeholderNames } from "./text-rules";

const NAME_PATTERN = /^[a-z0-9_]+$/;
// ll, lll, ll_CC (en_US, pt_BR) and ll_NNN (es_419): the shapes of Meta's language codes.
export const LANGUAGE_PATTERN = /^[a-z]{2,3}(_([A-Z]{2}|\d{3}))?$/;

/** Every way a definition breaks Meta's rules, each with the path of the offending field. */
export function templateIssues(definition: TemplateDefinition): Issue[] {
  const issues: Issue[] = [];
  const { name, language } = definition;
  const format = definition.parameterFormat ?? "POSITIONAL";
  if (name.length === 0) issues.push({ path: ["name"], message: "must not be empty" });
  else if (name.length > LIMITS.name)
    issues.push({ path: ["name"], message: `must be at most ${LIMITS.name} characters` });
  else if (!NAME_PATTERN.test(name)) {
    issues.push({ path: ["name"], message: "may contain only lowercase letters, digits and underscores" });
  }
  if (!LANGUAGE_PATTERN.test(language)) {
    issues.push({ path: ["language"], message: "must be a language code such as en, en_US or pt_BR" });
  }
  if (definition.header) issues.push(...headerIssues(definition.header, format));
  issues.push(...bodyIssues(definition.body, format));
  if (definition.footer) issues.push(...footerIssues(definition.footer));
  if (definition.buttons) issues.push(...buttonIssues(definition.buttons, definition.category));
  if (definition.category === "AUTHENTICATION") issues.push(...authenticationIssues(definition));
  else if (definition.authentication) {
    issues.push({ path: ["authentication"], message: "is only for category AUTHENTICATION" });
  }
  if (definition.offer) issues.push(...offerIssues(definition, definition.offer));
  if (definition.cards) issues.push(...cardIssues(definition, definition.cards));
  if (definition.offer && definition.cards) {
    issues.push({ path: ["cards"], message: "a template is a limited-time offer or a carousel, not both" });
  }
  issues.push(...ttlIssues(definition));
  return issues;
}
