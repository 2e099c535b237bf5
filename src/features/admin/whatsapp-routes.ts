import { createRoute, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { sha256Hex } from "../../platform/crypto";
import { projects, whatsappAccounts } from "../../platform/db/schema";
import { ApiError, notFound } from "../../platform/errors";
import { router } from "../../platform/http/context";
import { AdminSecurity, errorResponses, jsonBody, jsonContent } from "../../platform/http/openapi";
import { seal } from "../../platform/sealed-secrets";
import { iso, isoOrNull } from "../../platform/time";
import { forgetAccount } from "../../whatsapp/accounts";
import { credentialContext } from "../../whatsapp/select";
import { capFor, keptThroughput, readThroughput, throughputView } from "../number-state/throughput";
import { AccountStateSchema, accountStateView, HoldSchema, NumberStateSchema } from "../number-state/view";
import { forgetWebhookVerifiers } from "../webhooks/verifiers";
import { ProjectIdParam } from "./schemas";

export const MAX_THROUGHPUT = 1000;

const Secret = z.string().trim().min(8).max(4096);

const AccountBody = z
  .object({
    provider: z.enum(["meta", "sandbox"]).openapi({ description: "`meta` sends through the Graph API" }),
    phoneNumberId: z
      .string()
      .trim()
      .regex(/^[\w-]{1,64}$/, "must be Meta's phone number id")
      .openapi({ example: "106540352242922" }),
    wabaId: z
      .string()
      .trim()
      .regex(/^[\w-]{1,64}$/, "must be Meta's WhatsApp Business Account id")
      .openapi({ example: "102290129340398" }),
    accessToken: Secret.optional().openapi({ description: "System-user access token. Write-only." }),
    appSecret: Secret.optional().openapi({ description: "The Meta app's secret, to verify webhooks. Write-only." }),
    verifyToken: Secret.optional().openapi({
      description: "The token you type into Meta's webhook settings. Write-only; only its hash is kept.",
    }),
    throughput: z.number().int().min(1).max(MAX_THROUGHPUT).optional().openapi({
      description:
        "Messages per second this number may send. Leave it out to follow the level Meta reports for the number (STANDARD: 80, HIGH: 1,000), read now and again every hour and on Meta's quality and account webhooks; a value given here is kept whatever Meta reports",
    }),
    appId: z
      .string()
      .trim()
      .regex(/^\d{1,32}$/, "must be the Meta app's numeric id")
      .optional()
      .openapi({
        description:
          "The Meta app's id: an image template's example for Meta's review is uploaded through it (Meta's Resumable Upload API). Needed to create broadcast campaigns with an image",
        example: "1234567890123456",
      }),
    marketingMessagesApi: z.boolean().default(false).openapi({
      description:
        "The business has onboarded to Meta's Marketing Messages API: marketing templates are sent to `/marketing_messages`, everything else to `/messages`",
    }),
  })
  .superRefine((body, ctx) => {
    if (body.provider !== "meta") return;
    for (const field of ["accessToken", "appSecret", "verifyToken"] as const) {
      if (!body[field]) ctx.addIssue({ code: "custom", path: [field], message: "is required for the meta provider" });
    }
  })
  .openapi("WhatsAppAccountInput");

const AccountSchema = z
  .object({
    provider: z.enum(["meta", "sandbox"]),
    phoneNumberId: z.string(),
    wabaId: z.string(),
    throughput: z.number().int().openapi({ description: "The send cap in force (messages per second)" }),
    throughputSource: z.enum(["operator", "meta"]).openapi({
      description: "`operator`: the cap was set with `throughput` and stays; `meta`: it follows Meta's level",
    }),
    // Present once the level has been read (features/number-state/throughput.ts).
    metaThroughput: z
      .object({
        level: z
          .string()
          .openapi({ description: "STANDARD (80/s), HIGH (1,000/s) or NOT_APPLICABLE", example: "HIGH" }),
        readAt: z.iso.datetime(),
      })
      .optional()
      .openapi({ description: "The number's throughput level as Meta last reported it, and when it was read" }),
    marketingMessagesApi: z.boolean(),
    appId: z.string().nullable(),
    hasAccessToken: z.boolean(),
    hasAppSecret: z.boolean(),
    hasVerifyToken: z.boolean(),
    // Present once Meta's webhooks have said it (features/number-state).
    numberState: NumberStateSchema.optional(),
    accountState: AccountStateSchema.optional(),
    hold: HoldSchema.optional(),
    lastWebhookAt: z.iso.datetime().nullable().openapi({
      description:
        "When Meta's webhook last reached this Worker for this account (its verification with this verify token, or a delivery naming this phone number id), to the minute; null: not yet",
    }),
    updatedAt: z.iso.datetime(),
  })
  .openapi("WhatsAppAccount", { description: "Secrets are never returned, only whether they are set." });

const toAccount = (row: typeof whatsappAccounts.$inferSelect) => ({
  provider: row.provider,
  phoneNumberId: row.phoneNumberId,
  wabaId: row.wabaId,
  throughput: row.throughput,
  ...throughputView(row),
  marketingMessagesApi: row.marketingMessagesApi,
  appId: row.appId,
  hasAccessToken: row.accessTokenEnc !== null,
  hasAppSecret: row.appSecretEnc !== null,
  hasVerifyToken: row.verifyTokenHash !== null,
  ...accountStateView(row),
  lastWebhookAt: isoOrNull(row.webhookAt),
  updatedAt: iso(row.updatedAt),
});

const put = createRoute({
  method: "put",
  path: "/{projectId}/whatsapp",
  tags: ["Operator"],
  summary: "Set a project's WhatsApp account",
  description:
    "The WhatsApp Business number a project sends from. Access token and app secret are encrypted at rest (AES-256-GCM); the verify token is kept as a hash. Point Meta's webhook at `/webhooks/whatsapp` with the same verify token.",
  security: AdminSecurity,
  request: { params: ProjectIdParam, ...jsonBody(AccountBody) },
  responses: { 200: jsonContent(AccountSchema, "The account, without secrets"), ...errorResponses(400, 401, 404, 409) },
});

const get = createRoute({
  method: "get",
  path: "/{projectId}/whatsapp",
  tags: ["Operator"],
  summary: "Get a project's WhatsApp account",
  security: AdminSecurity,
  request: { params: ProjectIdParam },
  responses: { 200: jsonContent(AccountSchema, "The account, without secrets"), ...errorResponses(401, 404) },
});

// Behind the operator token: mounted by adminRoutes (./index.ts).
export const adminWhatsApp = router()
  .openapi(put, async (c) => {
    const { projectId } = c.req.valid("param");
    const body = c.req.valid("json");
    const db = c.var.db;
    const project = await db.select({ id: projects.id }).from(projects).where(eq(projects.id, projectId)).get();
    if (!project) throw notFound("project");
    const key = c.var.config.ENCRYPTION_KEY;
    const previous = await db
      .select({ phoneNumberId: whatsappAccounts.phoneNumberId, numberState: whatsappAccounts.numberState })
      .from(whatsappAccounts)
      .where(eq(whatsappAccounts.projectId, projectId))
      .get();
    // Without a value the cap follows Meta: the last level read for this same number until the read
    // below answers. Another number starts from Meta's default.
    const sameNumber = previous?.phoneNumberId === body.phoneNumberId;
    const kept = sameNumber ? keptThroughput(previous?.numberState) : {};
    const numberState = {
      ...((previous?.numberState as object | null) ?? {}),
      ...(sameNumber ? {} : { throughputLevel: undefined, throughputReadAt: undefined, throughputTriedAt: undefined }),
      throughputFrom: body.throughput === undefined ? ("meta" as const) : ("operator" as const),
    };
    const values = {
      projectId,
      provider: body.provider,
      phoneNumberId: body.phoneNumberId,
      wabaId: body.wabaId,
      throughput: body.throughput ?? capFor(kept.throughputLevel),
      marketingMessagesApi: body.marketingMessagesApi,
      appId: body.appId ?? null,
      numberState,
      accessTokenEnc: body.accessToken
        ? await seal(key, body.accessToken, credentialContext(projectId, "access_token"))
        : null,
      appSecretEnc: body.appSecret ? await seal(key, body.appSecret, credentialContext(projectId, "app_secret")) : null,
      verifyTokenHash: body.verifyToken ? await sha256Hex(body.verifyToken) : null,
      updatedAt: Date.now(),
    };
    const taken = await db
      .select({ projectId: whatsappAccounts.projectId })
      .from(whatsappAccounts)
      .where(eq(whatsappAccounts.phoneNumberId, body.phoneNumberId))
      .get();
    if (taken && taken.projectId !== projectId) {
      throw new ApiError("conflict", "this phone number id already belongs to another project", {
        fields: [{ field: "phoneNumberId", in: "body", message: "already belongs to another project" }],
      });
    }
    let row = await db
      .insert(whatsappAccounts)
      .values(values)
      .onConflictDoUpdate({ target: whatsappAccounts.projectId, set: values })
      .returning()
      .get();
    forgetAccount(projectId);
    forgetWebhookVerifiers();
    c.var.log.info("whatsapp account set", {
      projectId,
      provider: body.provider,
      marketingMessagesApi: body.marketingMessagesApi,
      throughput: body.throughput ?? "meta",
    });
    // The number's level, read now: a failed read leaves the account as set, and is logged.
    const read = await readThroughput({ db, log: c.var.log, config: c.var.config, events: c.env.EVENTS }, projectId);
    if (read.ok) {
      row = (await db.select().from(whatsappAccounts).where(eq(whatsappAccounts.projectId, projectId)).get()) ?? row;
    }
    return c.json(toAccount(row), 200);
  })
  .openapi(get, async (c) => {
    const { projectId } = c.req.valid("param");
    const row = await c.var.db.select().from(whatsappAccounts).where(eq(whatsappAccounts.projectId, projectId)).get();
    if (!row) throw notFound("WhatsApp account");
    return c.json(toAccount(row), 200);
  });
