import { beforeAll, describe, expect, it } from "vitest";
import { templateIssues } from "../../src/features/templates/definition-rules";
import { CreateTemplateBody, toDefinition } from "../../src/features/templates/schemas";
import type { TemplateDefinition } from "../../src/whatsapp/provider";
import { newProject, type Project } from "../helpers";
import { createTemplate, expectFields, minimal, templateRows } from "./templates.helpers";

const qr = (text = "Yes") => ({ type: "QUICK_REPLY", text });
const url = (u = "https://shop.example/track", text = "Track") => ({ type: "URL", text, url: u });
const phone = (phoneNumber = "+15550051310") => ({ type: "PHONE_NUMBER", text: "Call us", phoneNumber });
const body = (text: string, examples?: string[]) => ({ body: examples ? { text, examples } : { text } });

const NAMED_HINT = "(or set parameterFormat to NAMED for {{first_name}})";
const GROUPING = "quick reply buttons must be grouped together, before or after the URL and phone number buttons";

// Each malformed request, the fields it must be rejected on, and what each says.
const cases: [label: string, request: Record<string, unknown>, fields: [string, string][]][] = [
  // name and language
  [
    "an uppercase name",
    minimal({ name: "Order_Shipped" }),
    [["name", "may contain only lowercase letters, digits and underscores"]],
  ],
  [
    "a name with a hyphen",
    minimal({ name: "order-shipped" }),
    [["name", "may contain only lowercase letters, digits and underscores"]],
  ],
  ["an empty name", minimal({ name: "" }), [["name", "must not be empty"]]],
  ["a 513-character name", minimal({ name: "a".repeat(513) }), [["name", "must be at most 512 characters"]]],
  [
    "a language name",
    minimal({ language: "english" }),
    [["language", "must be a language code such as en, en_US or pt_BR"]],
  ],
  [
    "a hyphenated language",
    minimal({ language: "en-US" }),
    [["language", "must be a language code such as en, en_US or pt_BR"]],
  ],
  [
    "a lowercase region",
    minimal({ language: "pt_br" }),
    [["language", "must be a language code such as en, en_US or pt_BR"]],
  ],
  // body
  ["an empty body", minimal(body("")), [["body.text", "must not be empty"]]],
  ["a blank body", minimal(body("   ")), [["body.text", "must not be empty"]]],
  [
    "a 1025-character body",
    minimal(body("a".repeat(1025))),
    [["body.text", "must be at most 1024 characters; got 1025"]],
  ],
  [
    "a gap in the placeholders",
    minimal(body("Hi {{1}}, order {{3}} is ready.")),
    [["body.text", "{{2}} is missing: placeholders must be numbered {{1}} to {{3}} without gaps"]],
  ],
  [
    "two missing placeholders",
    minimal(body("Hi {{1}}, order {{4}} is ready.")),
    [["body.text", "{{2}}, {{3}} are missing: placeholders must be numbered {{1}} to {{4}} without gaps"]],
  ],
  [
    "placeholders not starting at 1",
    minimal(body("Hi {{2}}, welcome.")),
    [["body.text", "{{1}} is missing: placeholders must be numbered {{1}} to {{2}} without gaps"]],
  ],
  [
    "placeholders out of order",
    minimal(body("Order {{2}} for {{1}} is ready.")),
    [["body.text", "placeholders must first appear in order: {{2}} appears before {{1}}"]],
  ],
  [
    "a body starting with a placeholder",
    minimal(body("{{1}}, your order shipped.")),
    [["body.text", "must not start with a placeholder"]],
  ],
  [
    "a body ending with a placeholder",
    minimal(body("Your order shipped, {{1}}")),
    [["body.text", "must not end with a placeholder"]],
  ],
  [
    "a body ending with a placeholder and spaces",
    minimal(body("Your order shipped, {{1}}  \n")),
    [["body.text", "must not end with a placeholder"]],
  ],
  [
    "a named placeholder",
    minimal(body("Hi {{name}}, your order shipped.")),
    [["body.text", `{{name}} is not a placeholder: use numbered ones, {{1}}, {{2}}, … ${NAMED_HINT}`]],
  ],
  [
    "a zero placeholder",
    minimal(body("Hi {{0}}, your order shipped.")),
    [["body.text", `{{0}} is not a placeholder: use numbered ones, {{1}}, {{2}}, … ${NAMED_HINT}`]],
  ],
  [
    "fewer examples than placeholders",
    minimal(body("Hi {{1}}, order {{2}} shipped.", ["Asha"])),
    [["body.examples", "must have one example per placeholder: the text has 2, got 1"]],
  ],
  [
    "examples without placeholders",
    minimal(body("Your order shipped.", ["Asha"])),
    [["body.examples", "must have one example per placeholder: the text has 0, got 1"]],
  ],
  [
    "an empty example",
    minimal(body("Hi {{1}}, order {{2}} shipped.", ["Asha", " "])),
    [["body.examples.1", "must not be empty"]],
  ],
  // header
  [
    "a 61-character header",
    minimal({ header: { format: "TEXT", text: "h".repeat(61) } }),
    [["header.text", "must be at most 60 characters; got 61"]],
  ],
  ["an empty header", minimal({ header: { format: "TEXT", text: "" } }), [["header.text", "must not be empty"]]],
  [
    "two header placeholders",
    minimal({ header: { format: "TEXT", text: "{{1}} and {{1}}" } }),
    [["header.text", "may have at most one placeholder, {{1}}"]],
  ],
  [
    "a header placeholder other than {{1}}",
    minimal({ header: { format: "TEXT", text: "Order {{2}}" } }),
    [["header.text", "its placeholder must be {{1}}, not {{2}}"]],
  ],
  [
    "a header example without a placeholder",
    minimal({ header: { format: "TEXT", text: "Your order", example: "A-1" } }),
    [["header.example", "is given but the header text has no {{1}}"]],
  ],
  [
    "an unknown header format",
    minimal({ header: { format: "GIF" } }),
    [["header.format", "Invalid discriminator value. Expected 'TEXT' | 'IMAGE' | 'VIDEO' | 'DOCUMENT' | 'LOCATION'"]],
  ],
  [
    "an empty media handle",
    minimal({ header: { format: "IMAGE", example: "" } }),
    [["header.example", "must be a media handle from Meta's upload API"]],
  ],
  // footer
  [
    "a 61-character footer",
    minimal({ footer: { text: "f".repeat(61) } }),
    [["footer.text", "must be at most 60 characters; got 61"]],
  ],
  [
    "a footer placeholder",
    minimal({ footer: { text: "Reply {{1}}" } }),
    [["footer.text", "must not have placeholders"]],
  ],
  // buttons
  [
    "eleven buttons",
    minimal({ buttons: Array.from({ length: 11 }, (_, i) => qr(`Option ${i}`)) }),
    [["buttons", "a template may have at most 10 buttons; got 11"]],
  ],
  [
    "three URL buttons",
    minimal({ buttons: [url(), url(), url()] }),
    [["buttons.2", "a template may have at most 2 URL buttons"]],
  ],
  [
    "two phone number buttons",
    minimal({ buttons: [phone(), phone()] }),
    [["buttons.1", "a template may have at most 1 phone number button"]],
  ],
  [
    "a 26-character button text",
    minimal({ buttons: [qr("b".repeat(26))] }),
    [["buttons.0.text", "must be at most 25 characters; got 26"]],
  ],
  ["an empty button text", minimal({ buttons: [qr("yes"), qr("")] }), [["buttons.1.text", "must not be empty"]]],
  [
    "an ftp url",
    minimal({ buttons: [url("ftp://shop.example/x")] }),
    [["buttons.0.url", "must be an http:// or https:// URL"]],
  ],
  [
    "a url without a host",
    minimal({ buttons: [url("https://")] }),
    [["buttons.0.url", "must be an http:// or https:// URL"]],
  ],
  [
    "a 2001-character url",
    minimal({ buttons: [url(`https://shop.example/${"x".repeat(1980)}`)] }),
    [["buttons.0.url", "must be at most 2000 characters"]],
  ],
  [
    "a url placeholder in the middle",
    minimal({ buttons: [url("https://shop.example/{{1}}/track")] }),
    [["buttons.0.url", "may have {{1}} only at its end"]],
  ],
  [
    "a url placeholder {{2}}",
    minimal({ buttons: [url("https://shop.example/{{2}}")] }),
    [["buttons.0.url", "may have one placeholder, {{1}}, and only at its end"]],
  ],
  [
    "two url placeholders",
    minimal({ buttons: [url("https://shop.example/{{1}}/{{1}}")] }),
    [["buttons.0.url", "may have one placeholder, {{1}}, and only at its end"]],
  ],
  [
    "a url example without a placeholder",
    minimal({ buttons: [{ ...url(), example: "A-1" }] }),
    [["buttons.0.example", "is given but the url has no {{1}}"]],
  ],
  [
    "a url button without its url",
    minimal({ buttons: [{ type: "URL", text: "Track" }] }),
    [["buttons.0.url", "Invalid input: expected string, received undefined"]],
  ],
  [
    "a phone number in words",
    minimal({ buttons: [phone("call reception")] }),
    [["buttons.0.phoneNumber", "must be a phone number with its country code, digits only, e.g. +15550051310"]],
  ],
  [
    "a phone number with 16 digits",
    minimal({ buttons: [phone("+1555005131012345")] }),
    [["buttons.0.phoneNumber", "must be a phone number with its country code, digits only, e.g. +15550051310"]],
  ],
  ["quick replies around a URL button", minimal({ buttons: [qr(), url(), qr("No")] }), [["buttons.2", GROUPING]]],
  [
    "a quick reply between call-to-action buttons",
    minimal({ buttons: [url(), qr(), phone()] }),
    [["buttons.2", GROUPING]],
  ],
  // category
  [
    "an unknown category",
    minimal({ category: "PROMOTIONAL" }),
    [["category", 'Invalid option: expected one of "MARKETING"|"UTILITY"|"AUTHENTICATION"']],
  ],
  [
    "an AUTHENTICATION template with a header and buttons",
    minimal({ category: "AUTHENTICATION", body: undefined, header: { format: "TEXT", text: "Code" }, buttons: [qr()] }),
    [
      ["header", "an AUTHENTICATION template cannot have a header"],
      ["buttons", "an AUTHENTICATION template cannot have QUICK_REPLY, URL or PHONE_NUMBER buttons"],
    ],
  ],
  // shape
  [
    "a missing body",
    { name: "order_shipped", language: "en_US", category: "UTILITY" },
    [["body", "Invalid input: expected object, received undefined"]],
  ],
  // several problems are all reported, in the order of the definition
  [
    "several problems at once",
    minimal({
      name: "Bad Name",
      header: { format: "TEXT", text: "{{1}} {{2}}" },
      body: { text: "{{1}} and {{3}}" },
      footer: { text: "{{1}}" },
      buttons: [qr(), url("https://x.example/{{1}}"), qr("c".repeat(30))],
    }),
    [
      ["name", "may contain only lowercase letters, digits and underscores"],
      ["header.text", "may have at most one placeholder, {{1}}"],
      ["body.text", "{{2}} is missing: placeholders must be numbered {{1}} to {{3}} without gaps"],
      ["body.text", "must not start with a placeholder"],
      ["body.text", "must not end with a placeholder"],
      ["footer.text", "must not have placeholders"],
      ["buttons.2.text", "must be at most 25 characters; got 30"],
      ["buttons.2", GROUPING],
    ],
  ],
];

describe("POST /v1/templates rejects what Meta would", () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject("template validation");
  });

  it.each(cases)("%s", async (_label, request, fields) => {
    expectFields(await createTemplate(p.manager, request), fields);
  });

  it("stored nothing for any of them", async () => {
    for (const [, request] of cases) await createTemplate(p.manager, request);
    expect(await templateRows(p.id)).toEqual([]);
  });
});

describe("CreateTemplateBody accepts Meta's limits exactly", () => {
  const accepted: [label: string, request: Record<string, unknown>][] = [
    ["a 1024-character body", minimal(body(`Hi {{1}} ${"a".repeat(1024 - 10)}.`))],
    ["a 512-character name", minimal({ name: "a".repeat(512) })],
    ["a bare language", minimal({ language: "en" })],
    ["a three-letter language", minimal({ language: "fil" })],
    ["a numeric region", minimal({ language: "es_419" })],
    ["a repeated placeholder", minimal(body("Hi {{1}}, order {{2}} is yours, {{1}}."))],
    ["no placeholders", minimal(body("Your order has shipped."))],
    ["examples matching the placeholders", minimal(body("Hi {{1}}, order {{2}} shipped.", ["Asha", "A-1"]))],
    [
      "a 60-character header with {{1}}",
      minimal({ header: { format: "TEXT", text: `${"h".repeat(55)}{{1}}`, example: "x" } }),
    ],
    ["a document header", minimal({ header: { format: "DOCUMENT", example: "4::aW1hZ2U=" } })],
    ["a location header", minimal({ header: { format: "LOCATION" } })],
    ["a 60-character footer", minimal({ footer: { text: "f".repeat(60) } })],
    ["ten quick replies", minimal({ buttons: Array.from({ length: 10 }, (_, i) => qr(`Option ${i}`)) })],
    ["a 25-character button text", minimal({ buttons: [qr("b".repeat(25))] })],
    [
      "two URL buttons and a phone number before grouped quick replies",
      minimal({
        buttons: [url(), phone("15550051310"), { ...url("https://x.example/o/{{1}}"), example: "A-1" }, qr(), qr("No")],
      }),
    ],
    ["quick replies before the call-to-action buttons", minimal({ buttons: [qr(), qr("No"), url(), phone()] })],
    ["a 2000-character url", minimal({ buttons: [url(`https://shop.example/${"x".repeat(1979)}`)] })],
    [
      "an AUTHENTICATION template with Meta's preset body and a copy-code OTP button",
      minimal({
        category: "AUTHENTICATION",
        body: undefined,
        authentication: { securityRecommendation: true, codeExpirationMinutes: 10 },
        buttons: [{ type: "OTP", otpType: "COPY_CODE" }],
      }),
    ],
  ];

  it.each(accepted)("%s", (_label, request) => {
    const parsed = CreateTemplateBody.safeParse(request);
    expect(parsed.error?.issues).toBeUndefined();
    expect(parsed.success).toBe(true);
  });

  it("leaves empty optional parts out of the definition", () => {
    const parsed = CreateTemplateBody.parse(minimal({ buttons: [], body: { text: "Hello there.", examples: [] } }));
    expect(toDefinition(parsed)).toEqual({
      name: "order_shipped",
      language: "en_US",
      category: "UTILITY",
      body: { text: "Hello there." },
    });
  });

  it("counts characters, not UTF-16 units, for lengths", () => {
    const emoji = "🎉".repeat(60); // 120 UTF-16 units
    expect(templateIssues({ ...(minimal() as TemplateDefinition), footer: { text: emoji } })).toEqual([]);
  });
});
