import type { TemplateDefinition } from "../../whatsapp/provider";
import { urlIssues } from "./button-rules";
import { LIMITS } from "./limits";
import { bodyIssues, type Issue, textIssues } from "./text-rules";

// Meta's rules for the template kinds built of their own parts: authentication (preset body and
// OTP button), limited-time offer and carousel.

export function authenticationIssues(definition: TemplateDefinition): Issue[] {
  const issues: Issue[] = [];
  // Meta builds authentication templates from its own parts (a one-time-password button, a preset
  // body and footer); a header or other buttons are refused.
  if (definition.header) issues.push({ path: ["header"], message: "an AUTHENTICATION template cannot have a header" });
  const buttons = definition.buttons ?? [];
  if (buttons.some((b) => b.type !== "OTP")) {
    issues.push({
      path: ["buttons"],
      message: "an AUTHENTICATION template cannot have QUICK_REPLY, URL or PHONE_NUMBER buttons",
    });
  } else if (buttons.length !== 1) {
    issues.push({
      path: ["buttons"],
      message: "an AUTHENTICATION template needs exactly one OTP button (otpType COPY_CODE, ONE_TAP or ZERO_TAP)",
    });
  }
  const minutes = definition.authentication?.codeExpirationMinutes;
  if (minutes !== undefined && (!Number.isInteger(minutes) || minutes < 1 || minutes > LIMITS.codeExpirationMinutes)) {
    issues.push({
      path: ["authentication", "codeExpirationMinutes"],
      message: `must be a whole number of minutes from 1 to ${LIMITS.codeExpirationMinutes}`,
    });
  }
  return issues;
}

export function offerIssues(definition: TemplateDefinition, offer: NonNullable<TemplateDefinition["offer"]>): Issue[] {
  const issues: Issue[] = [];
  if (definition.category !== "MARKETING")
    issues.push({ path: ["offer"], message: "a limited-time offer needs category MARKETING" });
  for (const message of textIssues(offer.text, LIMITS.offerText)) issues.push({ path: ["offer", "text"], message });
  if (definition.footer)
    issues.push({ path: ["footer"], message: "a limited-time offer template cannot have a footer" });
  if (definition.header && definition.header.format !== "IMAGE" && definition.header.format !== "VIDEO") {
    issues.push({ path: ["header", "format"], message: "a limited-time offer's header must be IMAGE or VIDEO" });
  }
  const buttons = definition.buttons ?? [];
  if (!buttons.some((b) => b.type === "URL")) {
    issues.push({ path: ["buttons"], message: "a limited-time offer needs a URL button" });
  }
  buttons.forEach((b, i) => {
    if (b.type !== "URL" && b.type !== "COPY_CODE") {
      issues.push({ path: ["buttons", i], message: "a limited-time offer may have only COPY_CODE and URL buttons" });
    }
  });
  return issues;
}

export function cardIssues(definition: TemplateDefinition, cards: NonNullable<TemplateDefinition["cards"]>): Issue[] {
  const issues: Issue[] = [];
  const format = definition.parameterFormat ?? "POSITIONAL";
  if (definition.category !== "MARKETING")
    issues.push({ path: ["cards"], message: "a carousel needs category MARKETING" });
  if (cards.length < 2 || cards.length > LIMITS.cards) {
    issues.push({ path: ["cards"], message: `a carousel has 2 to ${LIMITS.cards} cards; got ${cards.length}` });
  }
  if (definition.header)
    issues.push({ path: ["header"], message: "a carousel has no header of its own: each card has one" });
  if (definition.footer) issues.push({ path: ["footer"], message: "a carousel cannot have a footer" });
  if (definition.buttons && definition.buttons.length > 0) {
    issues.push({ path: ["buttons"], message: "a carousel has no buttons of its own: each card has them" });
  }
  const first = cards[0];
  cards.forEach((card, c) => {
    if (first && card.header.format !== first.header.format) {
      issues.push({ path: ["cards", c, "header", "format"], message: "every card must have the same header format" });
    }
    issues.push(...bodyIssues(card.body, format, ["cards", c, "body"], LIMITS.cardBody));
    if (card.buttons.length < 1 || card.buttons.length > LIMITS.cardButtons) {
      issues.push({ path: ["cards", c, "buttons"], message: `each card has 1 or ${LIMITS.cardButtons} buttons` });
    }
    card.buttons.forEach((button, b) => {
      if (button.type !== "QUICK_REPLY" && button.type !== "URL" && button.type !== "PHONE_NUMBER") {
        issues.push({
          path: ["cards", c, "buttons", b, "type"],
          message: "a card's buttons are QUICK_REPLY, URL or PHONE_NUMBER",
        });
        return;
      }
      for (const message of textIssues(button.text, LIMITS.buttonText)) {
        issues.push({ path: ["cards", c, "buttons", b, "text"], message });
      }
      if (button.type === "URL") {
        for (const issue of urlIssues(button, b)) issues.push({ ...issue, path: ["cards", c, ...issue.path] });
      }
      if (first && first.buttons[b]?.type !== button.type) {
        issues.push({
          path: ["cards", c, "buttons", b, "type"],
          message: "every card must have the same buttons, of the same types in the same order",
        });
      }
    });
    if (first && card.buttons.length !== first.buttons.length && card.buttons.length <= LIMITS.cardButtons) {
      issues.push({ path: ["cards", c, "buttons"], message: "every card must have as many buttons as the first" });
    }
  });
  return issues;
}
