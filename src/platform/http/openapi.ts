import { z } from "@hono/zod-openapi";
import { ERROR_STATUS, type ErrorCode } from "../errors";

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
      fields: z
        .array(
          z.object({
            field: z.string().openapi({ example: "destination" }),
            in: z.enum(["body", "query", "path", "header"]),
            message: z.string().openapi({ example: "is not a valid phone number" }),
          }),
        )
        .optional(),
    }),
    requestId: z.string().nullable(),
  })
  .openapi("Error");

const DESCRIPTIONS: Record<number, string> = {
  400: "Invalid input; `error.fields` names each offending field",
  401: "Missing, unknown or revoked credentials",
  403: "The key's role may not use this route",
  404: "Not found (or belongs to another project)",
  409: "Conflicts with an existing resource",
  413: "Request body too large",
  415: "The body's Content-Type is not one this route reads (`unsupported_media_type`)",
  422: "WhatsApp refused the request (`unprocessable`); the message has Meta's code, title and message",
  426: "Not a WebSocket upgrade request (`upgrade_required`)",
  502: "WhatsApp could not be reached or failed (`provider_error`); try again later",
};

/** The error responses a route can give, in the one shared shape. */
export function errorResponses(...statuses: (keyof typeof DESCRIPTIONS)[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: DESCRIPTIONS[status], content: { "application/json": { schema: ErrorSchema } } },
    ]),
  ) as Record<number, { description: string; content: { "application/json": { schema: typeof ErrorSchema } } }>;
}

export const jsonBody = <T extends z.ZodType>(schema: T, description?: string) => ({
  body: { content: { "application/json": { schema } }, required: true, description },
});

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/** A resource id in the path (`/runs/{runId}/…`): up to 64 characters, a 400 naming it beyond. */
export const pathId = (name: string, example?: string) =>
  z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name, in: "path" }, ...(example ? { example } : {}) });

export const ApiKeySecurity = [{ ApiKey: [] }];
export const AdminSecurity = [{ AdminToken: [] }];
export const SessionCookieSecurity = [{ SessionCookie: [] }];
