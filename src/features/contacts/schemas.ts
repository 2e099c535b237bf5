import { z } from "@hono/zod-openapi";
import { DefinitionName } from "./definitions";

export const PhoneNumber = z.string().min(1).max(32).openapi({
  description: "Phone number, ideally E.164 (`+917428526285`). Without a country code it is read as Indian (+91).",
  example: "+917428526285",
});

export const ContactSchema = z
  .object({
    number: z.string().openapi({ description: "E.164", example: "+917428526285" }),
    name: z.string().nullable().openapi({ example: "Asha Verma" }),
    source: z.string().nullable().openapi({ example: "Website lead" }),
    tags: z.array(z.string()).openapi({ example: ["vip"] }),
    attributes: z.record(z.string(), z.string()).openapi({ example: { city: "Pune" } }),
    optedOut: z.boolean(),
    userId: z.string().optional().openapi({
      description:
        "The person's WhatsApp business-scoped user id (BSUID), once a webhook has named it. A contact known by it alone has it as its `number` too, until a message brings the number.",
      example: "US.13491208655302741918",
    }),
    lastMessageAt: z.iso.datetime().optional().openapi({
      description:
        "When the person last wrote to the business (WhatsApp's 24-hour window for free-form replies runs from it); absent until they have",
    }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("Contact");

export const IgnoredSchema = z
  .object({
    tags: z.array(z.string()).openapi({ description: "Tags in the request that the project has not defined" }),
    attributes: z
      .array(z.string())
      .openapi({ description: "Attributes in the request that the project has not defined" }),
  })
  .openapi("Ignored", {
    description: "Undefined tags and attributes are ignored, as the API-campaign reference documents.",
  });

const MAX_TAGS = 50;
const MAX_ATTRIBUTES = 50;

export const UpsertContactBody = z
  .object({
    number: PhoneNumber,
    name: z.string().trim().min(1).max(256).optional(),
    source: z.string().trim().min(1).max(256).optional(),
    tags: z.array(DefinitionName).max(MAX_TAGS).optional().openapi({ description: "Tags to add" }),
    removeTags: z.array(DefinitionName).max(MAX_TAGS).optional().openapi({ description: "Tags to take away" }),
    attributes: z
      .record(DefinitionName, z.string().max(1024))
      .refine((a) => Object.keys(a).length <= MAX_ATTRIBUTES, `at most ${MAX_ATTRIBUTES} attributes`)
      .optional()
      .openapi({ description: "Attribute values to set; string values only", example: { city: "Pune" } }),
    optedOut: z.boolean().optional(),
  })
  .openapi("UpsertContact");

export type UpsertContactInput = z.infer<typeof UpsertContactBody>;

export const UpsertContactResponse = z
  .object({ contact: ContactSchema, created: z.boolean(), ignored: IgnoredSchema })
  .openapi("UpsertContactResult");

export const ContactListQuery = z.object({
  tag: DefinitionName.optional().openapi({ description: "Only contacts with this tag" }),
  source: z.string().max(256).optional().openapi({ description: "Only contacts with this source" }),
  userId: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .openapi({ description: "The contact with this business-scoped user id", example: "US.13491208655302741918" }),
  attribute: z
    .string()
    .regex(/^[^:]+:.*$/, "must be name:value")
    .optional()
    .openapi({ description: "Only contacts whose attribute has this value, as `name:value`", example: "city:Pune" }),
});

export const NumberParam = z.object({
  number: PhoneNumber.openapi({ param: { name: "number", in: "path" }, example: "+917428526285" }),
});
