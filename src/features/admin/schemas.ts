import { z } from "@hono/zod-openapi";

export const ProjectSchema = z
  .object({
    id: z.string().openapi({ example: "prj_4f1c2a9be0d3e8a7c6b5" }),
    name: z.string().openapi({ example: "Acme Retail" }),
    createdAt: z.iso.datetime(),
  })
  .openapi("Project");

export const CreateProjectBody = z
  .object({ name: z.string().trim().min(1).max(100).openapi({ example: "Acme Retail" }) })
  .openapi("CreateProject");

export const ProjectIdParam = z.object({
  projectId: z.string().openapi({ param: { name: "projectId", in: "path" }, example: "prj_4f1c2a9be0d3e8a7c6b5" }),
});

export const KeyIdParam = ProjectIdParam.extend({
  keyId: z.string().openapi({ param: { name: "keyId", in: "path" }, example: "key_9a8b7c6d5e4f3a2b1c0d" }),
});

export const RoleSchema = z.enum(["manager", "sender"]).openapi({
  description:
    "`manager` may define tags, attributes, templates and campaigns; `sender` may only send and read results",
});

export const ApiKeySchema = z
  .object({
    id: z.string().openapi({ example: "key_9a8b7c6d5e4f3a2b1c0d" }),
    name: z.string().openapi({ example: "CRM production" }),
    role: RoleSchema,
    prefix: z
      .string()
      .openapi({ description: "First characters of the key, to tell keys apart", example: "wak_Zq3v8Kp1" }),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime().nullable(),
    revokedAt: z.iso.datetime().nullable(),
  })
  .openapi("ApiKey");

export const CreatedApiKeySchema = ApiKeySchema.extend({
  key: z.string().openapi({ description: "The key itself. Shown only in this response; store it now." }),
}).openapi("CreatedApiKey");

export const CreateKeyBody = z
  .object({
    name: z.string().trim().min(1).max(100).openapi({ example: "CRM production" }),
    role: RoleSchema,
  })
  .openapi("CreateApiKey");
