import { describe, expect, it } from "vitest";
import { BAD_PARAM_TEXT, templateParams } from "../../src/features/templates/send-rules";
import type { TemplateDefinition, TemplateParams } from "../../src/whatsapp/provider";

describe("templateParams", () => {
  const def = (extra: Partial<TemplateDefinition>): TemplateDefinition => ({
    name: "t",
    language: "en",
    category: "MARKETING",
    body: { text: "Hello." },
    ...extra,
  });

  it.each<[string, Partial<TemplateDefinition>, TemplateParams]>([
    ["a plain body", {}, { header: null, body: 0, buttons: [], quickReplies: [] }],
    [
      "a repeated body placeholder, counted once",
      { body: { text: "Hi {{1}}, {{2}} for {{1}}." } },
      { header: null, body: 2, buttons: [], quickReplies: [] },
    ],
    [
      "a text header without a placeholder",
      { header: { format: "TEXT", text: "Sale" } },
      { header: { format: "TEXT", params: 0 }, body: 0, buttons: [], quickReplies: [] },
    ],
    [
      "a text header with {{1}}",
      { header: { format: "TEXT", text: "Sale for {{1}}" } },
      { header: { format: "TEXT", params: 1 }, body: 0, buttons: [], quickReplies: [] },
    ],
    [
      "an image header",
      { header: { format: "IMAGE" } },
      { header: { format: "IMAGE", params: 1 }, body: 0, buttons: [], quickReplies: [] },
    ],
    [
      "a location header",
      { header: { format: "LOCATION" } },
      { header: { format: "LOCATION", params: 1 }, body: 0, buttons: [], quickReplies: [] },
    ],
    [
      "buttons of every kind",
      {
        buttons: [
          { type: "URL", text: "Static", url: "https://x.example/a" },
          { type: "URL", text: "Track", url: "https://x.example/o/{{1}}" },
          { type: "PHONE_NUMBER", text: "Call", phoneNumber: "+15550051310" },
          { type: "QUICK_REPLY", text: "Yes" },
          { type: "QUICK_REPLY", text: "No" },
        ],
      },
      { header: null, body: 0, buttons: [{ index: 1, type: "URL", params: 1 }], quickReplies: [3, 4] },
    ],
  ])("%s", (_label, extra, expected) => {
    expect(templateParams(def(extra))).toEqual(expected);
  });
});

describe("BAD_PARAM_TEXT", () => {
  it.each(["a\nb", "a\tb", "a     b"])("matches what Meta refuses as parameter text: %j", (text) => {
    expect(BAD_PARAM_TEXT.test(text)).toBe(true);
  });

  it.each(["a    b", "ok", "Asha Verma #1042"])("lets the rest through: %j", (text) => {
    expect(BAD_PARAM_TEXT.test(text)).toBe(false);
  });
});
