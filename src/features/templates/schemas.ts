import { z } from "@hono/zod-openapi";
import {
  HEADER_FORMATS,
  TEMPLATE_CATEGORIES,
  TEMPLATE_STATUSES,
  type TemplateDefinition,
} from "../../whatsapp/provider";
import { templateIssues } from "./definition-rules";

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
      .openapi({ description: "One sample value per placeholder", example: ["Asha", "A-1029"] }),
  })
  .openapi("TemplateBody");

export const FooterSchema = z
  .object({ text: z.string().openapi({ description: "At most 60 characters, no placeholders" }) })
  .openapi("TemplateFooter");

export const ButtonSchema = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("QUICK_REPLY"), text: z.string() }),
    z.object({
      type: z.literal("URL"),
      text: z.string(),
      url: z.string().openapi({
        description: "http(s), at most 2000 characters; may end in `{{1}}`, a suffix supplied at send time",
        example: "https://shop.example/orders/{{1}}",
      }),
      example: z.string().optional().openapi({ description: "A sample suffix for `{{1}}`" }),
    }),
    z.object({
      type: z.literal("PHONE_NUMBER"),
      text: z.string(),
      phoneNumber: z.string().openapi({ example: "+15550051310" }),
    }),
  ])
  .openapi("TemplateButton", { description: "Button text: 1–25 characters" });

export const CreateTemplateBody = z
  .object({
    name: z.string().openapi({
      description: "Lowercase letters, digits and underscores; at most 512 characters",
      example: "order_shipped",
    }),
    language: z.string().openapi({ description: "Meta's language code", example: "en_US" }),
    category: z.enum(TEMPLATE_CATEGORIES),
    header: HeaderSchema.optional(),
    body: BodySchema,
    footer: FooterSchema.optional(),
    buttons: z.array(ButtonSchema).optional().openapi({
      description:
        "At most 10: up to 10 quick replies, 2 URL buttons and 1 phone number button; quick replies grouped together",
    }),
  })
  .superRefine((definition, ctx) => {
    for (const issue of templateIssues(definition)) {
      ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
    }
  })
  .openapi("CreateTemplate");

export type CreateTemplateInput = z.infer<typeof CreateTemplateBody>;

/** The definition as stored and submitted: empty optional parts left out. */
export function toDefinition(input: CreateTemplateInput): TemplateDefinition {
  const body =
    input.body.examples && input.body.examples.length > 0
      ? { text: input.body.text, examples: input.body.examples }
      : { text: input.body.text };
  return {
    name: input.name,
    language: input.language,
    category: input.category,
    ...(input.header ? { header: input.header } : {}),
    body,
    ...(input.footer ? { footer: input.footer } : {}),
    ...(input.buttons && input.buttons.length > 0 ? { buttons: input.buttons } : {}),
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
  })
  .openapi("TemplateParams", { description: "What a send of this template must supply" });

export const TemplateSchema = z
  .object({
    id: z.string().openapi({ example: "tpl_0192f3c4a1b2c3d4e5f6a7b8" }),
    name: z.string(),
    language: z.string(),
    category: z.enum(TEMPLATE_CATEGORIES),
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
    params: TemplateParamsSchema,
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
