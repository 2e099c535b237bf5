import { z } from "@hono/zod-openapi";
import { PageQuery } from "../../platform/http/pagination";
import { SegmentFilter } from "./segment";

/** Customer-chosen ids of audiences, variable groups and journeys. */
export const RESOURCE_ID = /^[A-Za-z0-9_.:-]{1,100}$/;

export const ResourceId = z
  .string()
  .regex(RESOURCE_ID, "must be 1–100 characters of A-Z a-z 0-9 _ . : -")
  .openapi({ example: "myAudienceId" });

export const MAX_CONTACTS_PER_CALL = 1000;

/** A phone number as clients send it: a string, or digits as a JSON number (the JS client allows both). */
export const NumberInput = z
  .union([z.string().min(1).max(32), z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)])
  .openapi({
    description: "With country code (`+917428526285`); without one it is read as Indian (+91).",
    example: "+917428526285",
  });

const MemberBody = z
  .object({
    number: NumberInput,
    name: z.string().trim().min(1).max(256).optional().openapi({ description: "Sets the contact's name" }),
    source: z.string().trim().min(1).max(256).optional().openapi({
      description: "Sets the contact's source (a lead source such as `Website lead`; segments can select by it)",
    }),
  })
  .openapi("AudienceContactInput");

export const CreateAudienceBody = z
  .object({
    id: ResourceId.openapi({ description: "Your id for the audience. An existing id adds to that audience." }),
    name: z.string().trim().min(1).max(200).optional().openapi({
      description: "Required for a new audience; unique in the project (runs may name audiences by name)",
      example: "My Audience",
    }),
    description: z.string().max(1000).nullable().optional().openapi({ example: "This is my audience" }),
    contacts: z
      .array(MemberBody)
      .max(MAX_CONTACTS_PER_CALL)
      .optional()
      .openapi({
        description: `Contacts to add (at most ${MAX_CONTACTS_PER_CALL} per call; use the CSV import for more). Unknown numbers become contacts.`,
      }),
    filter: SegmentFilter.optional().openapi({
      description: "Makes the audience a segment: its contacts are whoever matches when a run starts",
    }),
  })
  .openapi("CreateAudience");

export const RemoveContactsBody = z
  .object({
    id: ResourceId,
    contacts: z
      .array(z.object({ number: NumberInput }))
      .min(1)
      .max(MAX_CONTACTS_PER_CALL),
  })
  .openapi("RemoveAudienceContacts");

export const AudienceSchema = z
  .object({
    id: z.string().openapi({ example: "myAudienceId" }),
    name: z.string().openapi({ example: "My Audience" }),
    description: z.string().nullable(),
    type: z.enum(["list", "segment"]).openapi({ description: "`list`: fixed members; `segment`: a filter" }),
    filter: z.union([SegmentFilter, z.null()]),
    contacts: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "Members of a list; null for a segment (evaluated when a run starts)" }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("Audience");
export type Audience = z.infer<typeof AudienceSchema>;

const success = z.literal("success");

export const AudienceResponse = z
  .object({
    status: success,
    audience: AudienceSchema,
    added: z.number().int().openapi({ description: "Memberships this call created" }),
  })
  .openapi("AudienceResult");

export const RemoveContactsResponse = z
  .object({
    status: success,
    audience: AudienceSchema,
    removed: z.number().int().openapi({ description: "Memberships this call removed" }),
  })
  .openapi("AudienceContactsRemoved");

export const DeletedAudienceResponse = z
  .object({ status: success, audience: AudienceSchema.openapi({ description: "The audience as it was" }) })
  .openapi("AudienceDeleted");

export const AudiencesResponse = z
  .object({
    status: success,
    audiences: z.array(AudienceSchema),
    nextCursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page; null on the last" }),
  })
  .openapi("Audiences");

export const AudienceContactsQuery = PageQuery.extend({ id: ResourceId });

export const AudienceContactsResponse = z
  .object({
    status: success,
    audience: AudienceSchema.pick({ id: true, name: true, type: true }),
    contacts: z.array(
      z.object({
        number: z.string().openapi({ example: "+917428526285" }),
        name: z.string().nullable(),
        source: z.string().nullable(),
        optedOut: z.boolean(),
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .openapi("AudienceContacts");

export const AudienceIdParam = z.object({ id: ResourceId.openapi({ param: { name: "id", in: "path" } }) });
