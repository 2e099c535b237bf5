import { createRoute, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { requireApiKey, requireRole } from "../../platform/auth/api-key";
import type { Db } from "../../platform/db/client";
import { callbackEndpoints } from "../../platform/db/schema";
import { notFound } from "../../platform/errors";
import { router } from "../../platform/http/context";
import { ApiKeySecurity, errorResponses, jsonBody, jsonContent } from "../../platform/http/openapi";
import { seal } from "../../platform/sealed-secrets";
import { iso } from "../../platform/time";
import {
  callbackSecretContext,
  checkCallbackUrl,
  forgetCallbackEndpoint,
  MAX_CALLBACK_URL_LENGTH,
  newCallbackSecret,
} from "./endpoint";

const TAGS = ["Status callbacks"];
const managerOnly = [requireRole("manager")];

const CallbackUrl = z
  .string()
  .trim()
  .max(MAX_CALLBACK_URL_LENGTH)
  .transform((text, ctx) => {
    const checked = checkCallbackUrl(text);
    if (!checked.ok) {
      ctx.addIssue({ code: "custom", message: checked.reason });
      return z.NEVER;
    }
    return checked.url.href;
  })
  .openapi({ type: "string", format: "uri", example: "https://crm.example.com/hooks/whatsapp" });

const CallbackFormatSchema = z.enum(["single", "batch"]).openapi({ example: "batch" });

const PutBody = z
  .object({
    url: CallbackUrl.openapi({
      description:
        "Where status callbacks are POSTed. `https://` (or `http://`) to a public host: private, loopback, link-local and metadata addresses, `localhost` and internal names are refused.",
    }),
    rotateSecret: z
      .boolean()
      .default(false)
      .openapi({ description: "Replace the signing secret; the new one is in this response only." }),
    format: CallbackFormatSchema.optional().openapi({
      description:
        '`single` (the default for a new endpoint): one event per POST, the event itself as the body. `batch`: up to 100 events per POST as `{ "events": [...] }`, fewer requests at high volume. Left out, an existing endpoint keeps its format.',
    }),
  })
  .openapi("CallbackEndpointInput");

const EndpointSchema = z
  .object({
    url: z.string(),
    format: CallbackFormatSchema,
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("CallbackEndpoint", { description: "The signing secret is never returned here." });

const PutResultSchema = EndpointSchema.extend({
  secret: z.string().optional().openapi({
    description:
      "The signing secret (`whsec_…`), only when it was just created (the first PUT) or rotated. Store it: it is not shown again.",
    example: "whsec_3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
  }),
}).openapi("CallbackEndpointSet");

type Row = typeof callbackEndpoints.$inferSelect;
const toEndpoint = (row: Row) => ({
  url: row.url,
  format: row.format,
  createdAt: iso(row.createdAt),
  updatedAt: iso(row.updatedAt),
});

const put = createRoute({
  method: "put",
  path: "/",
  tags: TAGS,
  summary: "Set the status callback URL",
  description:
    'Every status change of the project\'s messages is POSTed to this URL as JSON (one event per POST, or up to 100 as `{ "events": [...] }` with `format: "batch"`), signed with `X-Campaign-Signature: sha256=<hex HMAC-SHA256 of "<X-Campaign-Timestamp>.<raw body>">` under the endpoint\'s secret. The first PUT creates the secret and returns it once (201); later PUTs change the URL and keep the secret, unless `rotateSecret` is true.',
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: jsonBody(PutBody),
  responses: {
    200: jsonContent(PutResultSchema, "The endpoint, updated (with `secret` only if it was rotated)"),
    201: jsonContent(PutResultSchema, "The endpoint, created, with its secret"),
    ...errorResponses(400, 401, 403, 413),
  },
});

const get = createRoute({
  method: "get",
  path: "/",
  tags: TAGS,
  summary: "Get the status callback URL",
  security: ApiKeySecurity,
  middleware: managerOnly,
  responses: { 200: jsonContent(EndpointSchema, "The endpoint, without its secret"), ...errorResponses(401, 403, 404) },
});

const remove = createRoute({
  method: "delete",
  path: "/",
  tags: TAGS,
  summary: "Stop status callbacks",
  description: "Deletes the URL and its secret. Callbacks already queued are not sent.",
  security: ApiKeySecurity,
  middleware: managerOnly,
  responses: { 200: jsonContent(EndpointSchema, "The deleted endpoint"), ...errorResponses(401, 403, 404) },
});

async function sealedSecret(key: string, projectId: string) {
  const secret = newCallbackSecret();
  return { secret, secretEnc: await seal(key, secret, callbackSecretContext(projectId)) };
}

/** Sets the URL; a secret is made when the endpoint is new or `rotate` is asked for. */
async function setEndpoint(
  db: Db,
  key: string,
  projectId: string,
  { url, rotate, format }: { url: string; rotate: boolean; format: Row["format"] | undefined },
) {
  // A row deleted between the update and the insert is created in the next round.
  for (let round = 0; round < 3; round++) {
    const now = Date.now();
    const fresh = rotate ? await sealedSecret(key, projectId) : null;
    const updated = await db
      .update(callbackEndpoints)
      .set({ url, updatedAt: now, ...(format ? { format } : {}), ...(fresh ? { secretEnc: fresh.secretEnc } : {}) })
      .where(eq(callbackEndpoints.projectId, projectId))
      .returning()
      .get();
    if (updated) return { row: updated, secret: fresh?.secret, created: false };
    // No endpoint yet. Of concurrent first PUTs exactly one inserts; the others find its row above.
    const created = fresh ?? (await sealedSecret(key, projectId));
    const inserted = await db
      .insert(callbackEndpoints)
      .values({ projectId, url, format, secretEnc: created.secretEnc, createdAt: now, updatedAt: now })
      .onConflictDoNothing()
      .returning()
      .get();
    if (inserted) return { row: inserted, secret: created.secret, created: true };
  }
  throw new Error("the callback endpoint kept changing while it was being set");
}

export const callbackRoutes = router(requireApiKey)
  .openapi(put, async (c) => {
    const { url, rotateSecret, format } = c.req.valid("json");
    const { projectId } = c.var.principal;
    const result = await setEndpoint(c.var.db, c.var.config.ENCRYPTION_KEY, projectId, {
      url,
      rotate: rotateSecret,
      format,
    });
    forgetCallbackEndpoint(projectId);
    c.var.log.info("callback endpoint set", {
      projectId,
      created: result.created,
      rotated: !result.created && result.secret !== undefined,
    });
    const body = { ...toEndpoint(result.row), ...(result.secret ? { secret: result.secret } : {}) };
    return result.created ? c.json(body, 201) : c.json(body, 200);
  })
  .openapi(get, async (c) => {
    const row = await c.var.db
      .select()
      .from(callbackEndpoints)
      .where(eq(callbackEndpoints.projectId, c.var.principal.projectId))
      .get();
    if (!row) throw notFound("callback endpoint");
    return c.json(toEndpoint(row), 200);
  })
  .openapi(remove, async (c) => {
    const { projectId } = c.var.principal;
    const row = await c.var.db
      .delete(callbackEndpoints)
      .where(eq(callbackEndpoints.projectId, projectId))
      .returning()
      .get();
    forgetCallbackEndpoint(projectId);
    if (!row) throw notFound("callback endpoint");
    c.var.log.info("callback endpoint deleted", { projectId });
    return c.json(toEndpoint(row), 200);
  });
