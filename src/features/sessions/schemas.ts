import { z } from "@hono/zod-openapi";
import { RoleSchema } from "../admin/schemas";

export const SESSION_TAGS = ["Dashboard session"];

export const SignInBody = z
  .object({
    apiKey: z.string().trim().min(1).max(200).optional().openapi({
      description: "A project API key (manager or sender): the session has the key's project and role",
    }),
    adminToken: z.string().min(1).max(1024).optional().openapi({
      description: "The operator token (`ADMIN_TOKEN`): the session may use the operator routes",
    }),
  })
  .superRefine((body, ctx) => {
    const given = [body.apiKey, body.adminToken].filter((v) => v !== undefined).length;
    if (given !== 1) {
      ctx.addIssue({ code: "custom", path: ["apiKey"], message: "give exactly one of `apiKey` or `adminToken`" });
    }
  })
  .openapi("SignIn");

export const SessionSchema = z
  .object({
    kind: z.enum(["key", "admin"]).openapi({ description: "`key`: a project key's session; `admin`: the operator's" }),
    project: z.object({ id: z.string(), name: z.string() }).optional().openapi({ description: "For a key session" }),
    key: z
      .object({ id: z.string(), name: z.string(), role: RoleSchema })
      .optional()
      .openapi({ description: "For a key session: the key signed in with (never the key itself)" }),
    expiresAt: z.iso.datetime().openapi({ description: "When the session ends; sign in again after" }),
  })
  .openapi("Session");
