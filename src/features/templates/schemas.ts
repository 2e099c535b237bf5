import { z } from "@hono/zod-openapi";
import {
  HEADER_FORMATS,
  PARAMETER_FORMATS,
  TEMPLATE_CATEGORIES,
  TEMPLATE_STATUSES,
  type TemplateDefinition,
} from "../../whatsapp/provider";
import { ButtonSchema, SimpleButtons } from "./button-schemas";
import { LIMITS, templateIssues } from "./definition-rules";

export { ButtonSchema } from "./button-schemas";

import { CategoryChangeSchema, RejectionInfoSchema, StatusEventSchema, TemplateQualitySchema } from "./meta-state";

// Shapes only: every rule about contents (lengths, placeholders, button mix) is checked once the
// shape is right, by templateIssues, so that a manager gets all of them in one answer.

export const HeaderSchema = z
  .discriminatedUnion("format", [
    z.object({
      format: z.literal("TEXT"),
      text: z.string().openapi({ description: "At most 60 characters and one placeholder, `{{1}}`" }),
      example: z.string().optional().openapi({ description: "A sample value for `{{1}}`" }),
    }),
    z.object({
      format: z.enum(["IMAGE", "VIDEO", "DOCUMENT"]),
      example: z.string().optional().openapi({ description: "A media handle from Meta's resumable upload API" }),
    }),
    z.object({ format: z.literal("LOCATION") }),
  ])
  .openapi("TemplateHeader");

export const BodySchema = z
  .object({
    text: z.string().openapi({
      description: "1–1024 characters; placeholders `{{1}}`…`{{n}}`, not at the very start or end",
      example: "Hi {{1}}, your order {{2}} has shipped.",
    }),
    examples: z
      .array(z.string())
      .optional()
      .openapi({
        description: "One sample value per placeholder, in the order placeholders first appear",
        example: ["Asha", "A-1029"],
      }),
  })
  .openapi("TemplateBody");

export const FooterSchema = z
  .object({ text: z.string().openapi({ description: "At most 60 characters, no placeholders" }) })
  .openapi("TemplateFooter");

export const CardSchema = z
  .object({
    header: z.object({
      format: z.enum(["IMAGE", "VIDEO"]),
      example: z.string().optional().openapi({ description: "A media handle from Meta's resumable upload API" }),
    }),
    body: BodySchema.openapi({ description: "At most 160 characters" }),
    buttons: z.array(z.discriminatedUnion("type", [...SimpleButtons])).openapi({
      description: "1 or 2 QUICK_REPLY, URL or PHONE_NUMBER buttons; every card has the same kinds in the same order",
    }),
  })
  .openapi("TemplateCard");

const AuthenticationSchema = z
  .object({
    securityRecommendation: z
      .boolean()
      .openapi({ description: 'Adds Meta\'s "For your security, do not share this code."' }),
    codeExpirationMinutes: z
      .number()
      .optional()
      .openapi({
        description: `Adds Meta's "This code expires in N minutes." footer (1–${LIMITS.codeExpirationMinutes})`,
      }),
  })
  .openapi("TemplateAuthentication", {
    description: "AUTHENTICATION templates: Meta builds the body and footer from these; a send supplies the code",
  });

const OfferSchema = z
  .object({
    text: z.string().openapi({ description: "The offer's headline, at most 16 characters", example: "Ends soon!" }),
    hasExpiration: z.boolean().openapi({ description: "Whether each send carries the offer's expiry (a countdown)" }),
  })
  .openapi("TemplateOffer", { description: "Limited-time offer (MARKETING)" });

export const CreateTemplateBody = z
  .object({
    name: z.string().openapi({
      description: "Lowercase letters, digits and underscores; at most 512 characters",
      example: "order_shipped",
    }),
    language: z.string().openapi({ description: "Meta's language code", example: "en_US" }),
    category: z.enum(TEMPLATE_CATEGORIES),
    parameterFormat: z.enum(PARAMETER_FORMATS).optional().openapi({
      description: "`POSITIONAL` (default): `{{1}}`, `{{2}}`…; `NAMED`: `{{first_name}}`…",
    }),
    header: HeaderSchema.optional(),
    body: BodySchema.optional().openapi({ description: "Required, except for AUTHENTICATION (Meta's preset body)" }),
    footer: FooterSchema.optional(),
    buttons: z.array(ButtonSchema).optional().openapi({
      description:
        "At most 10: up to 10 quick replies, 2 URL buttons, 1 phone number, 1 COPY_CODE and 1 FLOW button; quick replies grouped together. AUTHENTICATION: exactly one OTP button",
    }),
    authentication: AuthenticationSchema.optional(),
    offer: OfferSchema.optional(),
    cards: z.array(CardSchema).optional().openapi({ description: "A carousel (MARKETING): 2–10 cards" }),
    messageSendTtlSeconds: z.number().optional().openapi({
      description:
        "The message validity period: how long WhatsApp keeps trying to deliver a send. MARKETING: 43200–2592000 (12 hours to 30 days; honoured when the account sends through the Marketing Messages API); UTILITY: 30–43200; AUTHENTICATION: 30–900; -1 (UTILITY, AUTHENTICATION): 30 days. Omitted: WhatsApp's default",
      example: 86400,
    }),
  })
  .superRefine((input, ctx) => {
    if (input.category === "AUTHENTICATION") {
      if (input.body) {
        ctx.addIssue({
          code: "custom",
          path: ["body"],
          message: "an AUTHENTICATION template uses Meta's preset body: leave body out and set authentication",
        });
      }
      if (input.footer) {
        ctx.addIssue({
          code: "custom",
          path: ["footer"],
          message: "an AUTHENTICATION template's footer is set by authentication.codeExpirationMinutes",
        });
      }
    } else if (!input.body) {
      ctx.addIssue({ code: "custom", path: ["body"], message: "Invalid input: expected object, received undefined" });
      return;
    }
    for (const issue of templateIssues(toDefinition(input))) {
      ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
    }
  })
  .openapi("CreateTemplate");

export type CreateTemplateInput = z.infer<typeof CreateTemplateBody>;

/**
 * Meta's preset authentication body (English; Meta shows each language's own wording): the code in
 * bold, then the security note when asked for.
 */
export function authenticationBody(securityRecommendation: boolean): string {
  return `*{{1}}* is your verification code.${securityRecommendation ? " For your security, do not share this code." : ""}`;
}

/** The definition as stored and submitted: empty optional parts left out. */
export function toDefinition(input: CreateTemplateInput): TemplateDefinition {
  const authentication =
    input.category === "AUTHENTICATION"
      ? (input.authentication ?? { securityRecommendation: true })
      : input.authentication;
  const given = input.body ?? { text: "" };
  const body =
    input.category === "AUTHENTICATION" && authentication
      ? { text: authenticationBody(authentication.securityRecommendation) }
      : given.examples && given.examples.length > 0
        ? { text: given.text, examples: given.examples }
        : { text: given.text };
  const minutes = authentication?.codeExpirationMinutes;
  const footer =
    input.category === "AUTHENTICATION" && minutes !== undefined
      ? { text: `This code expires in ${minutes} minutes.` }
      : input.footer;
  return {
    name: input.name,
    language: input.language,
    category: input.category,
    ...(input.parameterFormat === "NAMED" ? { parameterFormat: "NAMED" as const } : {}),
    ...(input.header ? { header: input.header } : {}),
    body,
    ...(footer ? { footer } : {}),
    ...(input.buttons && input.buttons.length > 0 ? { buttons: input.buttons } : {}),
    ...(authentication ? { authentication } : {}),
    ...(input.offer ? { offer: input.offer } : {}),
    ...(input.cards ? { cards: input.cards } : {}),
    ...(input.messageSendTtlSeconds !== undefined ? { messageSendTtlSeconds: input.messageSendTtlSeconds } : {}),
  };
}

export const TemplateParamsSchema = z
  .object({
    header: z
      .object({
        format: z.enum(HEADER_FORMATS),
        params: z
          .number()
          .int()
          .openapi({ description: "1 for a media or location header, or a text header's `{{1}}`" }),
      })
      .nullable(),
    body: z.number().int().openapi({ description: "How many body parameters a send must supply" }),
    buttons: z
      .array(z.object({ index: z.number().int(), type: z.literal("URL"), params: z.number().int() }))
      .openapi({ description: "URL buttons that need a suffix at send time, by index" }),
    quickReplies: z
      .array(z.number().int())
      .openapi({ description: "Indexes of quick-reply buttons (a send may attach a payload)" }),
    names: z
      .object({ header: z.array(z.string()), body: z.array(z.string()) })
      .optional()
      .openapi({
        description:
          "NAMED templates only: the placeholder names, each in order of first appearance; `templateParams` fills the header's, then the body's, in this order",
      }),
    actions: z
      .array(z.object({ index: z.number().int(), type: z.enum(["COPY_CODE", "FLOW", "CATALOG", "MPM", "OTP"]) }))
      .optional()
      .openapi({ description: "Other buttons a send fills, by index (absent when none)" }),
    offer: z
      .object({ expires: z.boolean() })
      .optional()
      .openapi({ description: "Limited-time offer: `expires` when a send must give `offerExpiresAt`" }),
    cards: z
      .array(
        z.object({
          header: z.object({ format: z.enum(["IMAGE", "VIDEO"]) }),
          body: z.number().int(),
          buttons: z.array(z.object({ index: z.number().int(), type: z.literal("URL"), params: z.number().int() })),
          quickReplies: z.array(z.number().int()),
        }),
      )
      .optional()
      .openapi({ description: "Carousel: what each card of a send must supply" }),
  })
  .openapi("TemplateParams", { description: "What a send of this template must supply" });

export const TemplateSchema = z
  .object({
    id: z.string().openapi({ example: "tpl_0192f3c4a1b2c3d4e5f6a7b8" }),
    name: z.string(),
    language: z.string(),
    category: z.enum(TEMPLATE_CATEGORIES),
    parameterFormat: z.enum(PARAMETER_FORMATS),
    status: z.enum(TEMPLATE_STATUSES),
    rejectedReason: z
      .string()
      .nullable()
      .openapi({ description: "Meta's reason when the template is rejected, paused or disabled" }),
    // A union rather than .nullable(): the latter would write `null` into the shared TemplateHeader component.
    header: z.union([HeaderSchema, z.null()]),
    body: BodySchema,
    footer: z.union([FooterSchema, z.null()]),
    buttons: z.array(ButtonSchema),
    authentication: AuthenticationSchema.optional(),
    offer: OfferSchema.optional(),
    cards: z.array(CardSchema).optional(),
    params: TemplateParamsSchema,
    // Present once Meta's webhooks have said it (features/templates/meta-state.ts).
    quality: TemplateQualitySchema.optional(),
    rejectionInfo: RejectionInfoSchema.optional(),
    statusEvent: StatusEventSchema.optional(),
    categoryChange: CategoryChangeSchema.optional(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("Template");

export type Template = z.infer<typeof TemplateSchema>;

export const TemplateListQuery = z.object({
  status: z.enum(TEMPLATE_STATUSES).optional().openapi({ description: "Only templates with this status" }),
  name: z.string().min(1).max(512).optional().openapi({ description: "Only templates with this name (any language)" }),
});

export const TemplateIdParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "tpl_0192f3c4a1b2c3d4e5f6a7b8" }),
});

export const SyncResultSchema = z
  .object({
    created: z.number().int().openapi({ description: "Templates found at the provider and added here" }),
    updated: z.number().int().openapi({ description: "Templates whose status, reason or definition changed" }),
    unchanged: z.number().int(),
  })
  .openapi("TemplateSyncResult");
