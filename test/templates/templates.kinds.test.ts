import { describe, expect, it } from "vitest";
import { templateIssues } from "../../src/features/templates/definition-rules";
import { CreateTemplateBody, toDefinition } from "../../src/features/templates/schemas";
import { templateParams } from "../../src/features/templates/send-rules";
import { createTemplateBody } from "../../src/whatsapp/meta/template-payloads";
import type { TemplateDefinition } from "../../src/whatsapp/provider";

// Each template kind as a manager defines it: Meta's rules checked field by field, the body
// submitted to Meta, and what a send must supply.

const base = { name: "kind", language: "en_US", category: "MARKETING" as const, body: { text: "Hello there." } };
const issues = (definition: Partial<TemplateDefinition>) =>
  templateIssues({ ...base, ...definition } as TemplateDefinition).map((i) => [i.path.join("."), i.message]);

describe("named parameters", () => {
  const named = toDefinition(
    CreateTemplateBody.parse({
      ...base,
      parameterFormat: "NAMED",
      header: { format: "TEXT", text: "For {{first_name}}", example: "Asha" },
      body: { text: "Hi {{first_name}}, order {{order_id}} ships.", examples: ["Asha", "A-1"] },
    }),
  );

  it("are submitted with parameter_format NAMED and examples by name", () => {
    expect(createTemplateBody(named)).toEqual({
      name: "kind",
      language: "en_US",
      category: "MARKETING",
      parameter_format: "NAMED",
      components: [
        {
          type: "HEADER",
          format: "TEXT",
          text: "For {{first_name}}",
          example: { header_text_named_params: [{ param_name: "first_name", example: "Asha" }] },
        },
        {
          type: "BODY",
          text: "Hi {{first_name}}, order {{order_id}} ships.",
          example: {
            body_text_named_params: [
              { param_name: "first_name", example: "Asha" },
              { param_name: "order_id", example: "A-1" },
            ],
          },
        },
      ],
    });
  });

  it("are what a send fills, header first, each name once", () => {
    expect(templateParams(named)).toEqual({
      header: { format: "TEXT", params: 1 },
      body: 2,
      buttons: [],
      quickReplies: [],
      names: { header: ["first_name"], body: ["first_name", "order_id"] },
    });
  });

  it("must be lowercase names; positional ones are refused in a NAMED template", () => {
    expect(issues({ parameterFormat: "NAMED", body: { text: "Hi {{1}} and {{First}}." } })).toEqual([
      [
        "body.text",
        "{{1}}, {{First}} is not a named placeholder: use lowercase names, {{first_name}}, {{order_id}}, … (parameterFormat is NAMED)",
      ],
    ]);
    expect(issues({ parameterFormat: "NAMED", body: { text: "Hi {{a}}, {{b}}.", examples: ["x"] } })).toEqual([
      [
        "body.examples",
        "must have one example per placeholder, in the order the names first appear: the text has 2, got 1",
      ],
    ]);
  });
});

describe("buttons", () => {
  it("checks COPY_CODE, FLOW, CATALOG, MPM and OTP against Meta's rules", () => {
    expect(
      issues({
        buttons: [
          { type: "COPY_CODE" },
          { type: "COPY_CODE", example: "TOO LONG CODE 123" },
          { type: "FLOW", text: "Go" },
          { type: "OTP", otpType: "COPY_CODE" },
        ],
      }),
    ).toEqual([
      ["buttons.1", "a template may have at most 1 COPY_CODE button"],
      ["buttons.0.example", "is required: a sample coupon code for Meta's review"],
      ["buttons.1.example", "must be at most 15 characters without spaces"],
      ["buttons.2.flowId", "is required: the id of a published WhatsApp Flow"],
      ["buttons.2.navigateScreen", "is required when flowAction is navigate"],
      ["buttons.3", "an OTP button needs category AUTHENTICATION"],
    ]);
    expect(
      issues({
        category: "UTILITY",
        buttons: [
          { type: "CATALOG", text: "See" },
          { type: "URL", text: "x", url: "https://x.example" },
        ],
      }),
    ).toEqual([
      ["buttons.0", "a CATALOG button must be the template's only button"],
      ["buttons.0", "a CATALOG button needs category MARKETING"],
    ]);
  });

  it("keeps each button's index in what a send fills", () => {
    const definition: TemplateDefinition = {
      ...base,
      buttons: [
        { type: "COPY_CODE", example: "SAVE" },
        { type: "URL", text: "Shop", url: "https://s.example/{{1}}" },
        { type: "FLOW", text: "Book", flowId: "1", navigateScreen: "A" },
      ],
    };
    expect(templateParams(definition)).toEqual({
      header: null,
      body: 0,
      buttons: [{ index: 1, type: "URL", params: 1 }],
      quickReplies: [],
      actions: [
        { index: 0, type: "COPY_CODE" },
        { index: 2, type: "FLOW" },
      ],
    });
  });
});

describe("authentication templates", () => {
  it("are submitted as Meta's preset parts and stored with the text Meta shows", () => {
    const definition = toDefinition(
      CreateTemplateBody.parse({
        name: "login",
        language: "en_US",
        category: "AUTHENTICATION",
        authentication: { securityRecommendation: false, codeExpirationMinutes: 5 },
        buttons: [{ type: "OTP", otpType: "COPY_CODE" }],
      }),
    );
    expect(definition.body).toEqual({ text: "*{{1}}* is your verification code." });
    expect(definition.footer).toEqual({ text: "This code expires in 5 minutes." });
    expect(createTemplateBody(definition)).toEqual({
      name: "login",
      language: "en_US",
      category: "AUTHENTICATION",
      components: [
        { type: "BODY", add_security_recommendation: false },
        { type: "FOOTER", code_expiration_minutes: 5 },
        { type: "BUTTONS", buttons: [{ type: "OTP", otp_type: "COPY_CODE" }] },
      ],
    });
  });

  it("need exactly one OTP button", () => {
    const parsed = CreateTemplateBody.safeParse({ name: "login", language: "en", category: "AUTHENTICATION" });
    expect(parsed.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      ["buttons", "an AUTHENTICATION template needs exactly one OTP button (otpType COPY_CODE, ONE_TAP or ZERO_TAP)"],
    ]);
  });
});

describe("limited-time offers and carousels", () => {
  it("submit their own components", () => {
    const offer = createTemplateBody({
      ...base,
      offer: { text: "Ends soon!", hasExpiration: true },
      buttons: [{ type: "URL", text: "Shop", url: "https://s.example" }],
    });
    expect(offer.components[0]).toEqual({
      type: "limited_time_offer",
      limited_time_offer: { text: "Ends soon!", has_expiration: true },
    });
    const card = {
      header: { format: "VIDEO" as const, example: "4::dmlk" },
      body: { text: "Only {{1}}.", examples: ["$5"] },
      buttons: [{ type: "QUICK_REPLY" as const, text: "More" }],
    };
    const carousel = createTemplateBody({ ...base, cards: [card, card] });
    expect(carousel.components.at(-1)).toEqual({
      type: "carousel",
      cards: [card, card].map(() => ({
        components: [
          { type: "HEADER", format: "VIDEO", example: { header_handle: ["4::dmlk"] } },
          { type: "BODY", text: "Only {{1}}.", example: { body_text: [["$5"]] } },
          { type: "BUTTONS", buttons: [{ type: "QUICK_REPLY", text: "More" }] },
        ],
      })),
    });
  });
});
