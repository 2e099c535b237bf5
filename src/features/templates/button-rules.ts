import type { TemplateButton, TemplateDefinition } from "../../whatsapp/provider";
import { LIMITS } from "./limits";
import { chars, type Issue, textIssues } from "./text-rules";

// Meta's rules for a template's buttons: counts, mixes, and each kind's own fields.

// E.164: up to 15 digits after the country code's first digit; the plus is optional, as in Meta's examples.
const PHONE_PATTERN = /^\+?[1-9]\d{6,14}$/;
const URL_PATTERN = /^https?:\/\/[^\s/?#]+/i;
// Android signing-certificate hashes Meta asks for with one-tap and zero-tap codes: 11 characters.
const SIGNATURE_HASH = /^[A-Za-z0-9+/=]{11}$/;
const PACKAGE_NAME = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$/;

const TOKEN = /\{\{([^{}]*)\}\}/g;

export function urlIssues(button: Extract<TemplateButton, { type: "URL" }>, index: number): Issue[] {
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

const TEXTLESS: TemplateButton["type"][] = ["COPY_CODE", "OTP"];

/** At most `max` buttons of `type`: the first one past the limit is reported. */
function countIssue(buttons: TemplateButton[], type: TemplateButton["type"], max: number, label: string): Issue[] {
  let seen = 0;
  for (const [i, button] of buttons.entries()) {
    if (button.type !== type) continue;
    seen++;
    if (seen === max + 1) {
      const plural = max === 1 ? "" : "s";
      return [{ path: ["buttons", i], message: `a template may have at most ${max} ${label} button${plural}` }];
    }
  }
  return [];
}

function otpIssues(button: Extract<TemplateButton, { type: "OTP" }>, i: number): Issue[] {
  const issues: Issue[] = [];
  const at = (...path: (string | number)[]) => ["buttons", i, ...path];
  if (button.otpType === "COPY_CODE") return issues;
  const apps = button.supportedApps ?? [];
  if (apps.length === 0 || apps.length > LIMITS.supportedApps) {
    issues.push({
      path: at("supportedApps"),
      message: `a ${button.otpType} code needs 1 to ${LIMITS.supportedApps} Android apps (packageName, signatureHash)`,
    });
  }
  apps.forEach((app, j) => {
    if (!PACKAGE_NAME.test(app.packageName) || app.packageName.length > 224) {
      issues.push({
        path: at("supportedApps", j, "packageName"),
        message: "must be an Android package name, e.g. com.example.app",
      });
    }
    if (!SIGNATURE_HASH.test(app.signatureHash)) {
      issues.push({
        path: at("supportedApps", j, "signatureHash"),
        message: "must be the app's 11-character signing key hash",
      });
    }
  });
  if (button.otpType === "ZERO_TAP" && button.zeroTapTermsAccepted !== true) {
    issues.push({
      path: at("zeroTapTermsAccepted"),
      message: "must be true: Meta requires its zero-tap terms to be accepted",
    });
  }
  return issues;
}

export function buttonIssues(buttons: TemplateButton[], category: TemplateDefinition["category"]): Issue[] {
  const issues: Issue[] = [];
  if (buttons.length > LIMITS.buttons) {
    // This also bounds quick replies, which Meta limits to 10 of their own.
    issues.push({
      path: ["buttons"],
      message: `a template may have at most ${LIMITS.buttons} buttons; got ${buttons.length}`,
    });
  }
  issues.push(
    ...countIssue(buttons, "URL", LIMITS.urlButtons, "URL"),
    ...countIssue(buttons, "PHONE_NUMBER", LIMITS.phoneButtons, "phone number"),
    ...countIssue(buttons, "COPY_CODE", 1, "COPY_CODE"),
    ...countIssue(buttons, "FLOW", 1, "FLOW"),
  );
  buttons.forEach((button, i) => {
    const text = button.text;
    if (!(TEXTLESS.includes(button.type) && text === undefined)) {
      for (const message of textIssues(text ?? "", LIMITS.buttonText))
        issues.push({ path: ["buttons", i, "text"], message });
    }
    switch (button.type) {
      case "URL":
        issues.push(...urlIssues(button, i));
        break;
      case "PHONE_NUMBER":
        if (!PHONE_PATTERN.test(button.phoneNumber)) {
          issues.push({
            path: ["buttons", i, "phoneNumber"],
            message: "must be a phone number with its country code, digits only, e.g. +15550051310",
          });
        }
        break;
      case "COPY_CODE": {
        const example = button.example ?? "";
        if (example.trim().length === 0) {
          issues.push({
            path: ["buttons", i, "example"],
            message: "is required: a sample coupon code for Meta's review",
          });
        } else if (chars(example) > LIMITS.couponCode || /\s/.test(example)) {
          issues.push({
            path: ["buttons", i, "example"],
            message: `must be at most ${LIMITS.couponCode} characters without spaces`,
          });
        }
        break;
      }
      case "FLOW":
        if (!button.flowId || !/^\d{1,32}$/.test(button.flowId)) {
          issues.push({ path: ["buttons", i, "flowId"], message: "is required: the id of a published WhatsApp Flow" });
        }
        if ((button.flowAction ?? "navigate") === "navigate" && !button.navigateScreen) {
          issues.push({ path: ["buttons", i, "navigateScreen"], message: "is required when flowAction is navigate" });
        }
        break;
      case "CATALOG":
      case "MPM":
        if (buttons.length > 1) {
          issues.push({ path: ["buttons", i], message: `a ${button.type} button must be the template's only button` });
        }
        if (category !== "MARKETING") {
          issues.push({ path: ["buttons", i], message: `a ${button.type} button needs category MARKETING` });
        }
        break;
      case "OTP":
        if (category !== "AUTHENTICATION") {
          issues.push({ path: ["buttons", i], message: "an OTP button needs category AUTHENTICATION" });
        }
        issues.push(...otpIssues(button, i));
        break;
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
