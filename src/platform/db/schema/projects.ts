import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, updatedAt } from "./columns";

/** A tenant: one WhatsApp Business number with its contacts, templates and campaigns. */
export const projects = sqliteTable("projects", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  createdAt: createdAt(),
  // Days a finished run or an API campaign's day stays in D1 before it moves to the archive in R2.
  retentionDays: integer("retention_days").notNull().default(30),
  // Where this project's new broadcast runs keep their messages: "object" (each run's own Durable
  // Object, src/features/run-ledger) or "d1"; NULL: the deployment's RUN_MESSAGES.
  runMessages: text("run_messages", { enum: ["d1", "object"] }),
  // Where this project's API campaigns keep their messages: "object" (one Durable Object per
  // campaign and day, src/features/api-days) or "d1"; NULL: the deployment's API_MESSAGES.
  apiMessages: text("api_messages", { enum: ["d1", "object"] }),
});

/** The owning project of a row; deleting a project deletes everything it owns. */
export const projectRef = () =>
  text("project_id")
    .notNull()
    .references(() => projects.id, { onDelete: "cascade" });

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    projectId: projectRef(),
    name: text("name").notNull(),
    role: text("role", { enum: ["manager", "sender"] }).notNull(),
    // SHA-256 of the whole key. Keys are 256-bit random strings, so a fast hash is enough:
    // there is nothing to brute-force that a slow hash would protect.
    hash: text("hash").notNull(),
    // The first characters of the key, shown in listings so a person can tell keys apart.
    prefix: text("prefix").notNull(),
    createdAt: createdAt(),
    lastUsedAt: integer("last_used_at"),
    revokedAt: integer("revoked_at"),
  },
  (t) => [uniqueIndex("api_keys_hash").on(t.hash), index("api_keys_project").on(t.projectId, t.createdAt)],
);

/**
 * The WhatsApp Business number behind a project. Access token and app secret are AES-GCM
 * ciphertexts (see src/platform/sealed-secrets.ts); the webhook verify token is only ever compared,
 * so only its SHA-256 is kept.
 */
export const whatsappAccounts = sqliteTable(
  "whatsapp_accounts",
  {
    projectId: projectRef().primaryKey(),
    provider: text("provider", { enum: ["meta", "sandbox"] }).notNull(),
    phoneNumberId: text("phone_number_id").notNull(),
    wabaId: text("waba_id").notNull(),
    accessTokenEnc: text("access_token_enc"),
    appSecretEnc: text("app_secret_enc"),
    verifyTokenHash: text("verify_token_hash"),
    // Messages per second this number may send (Meta's default tier is 80; up to 1,000).
    throughput: integer("throughput").notNull().default(80),
    // Onboarded to Meta's Marketing Messages API: marketing templates go to /marketing_messages.
    marketingMessagesApi: integer("marketing_messages_api", { mode: "boolean" }).notNull().default(false),
    // The Meta app's id: template media examples are uploaded through it (Resumable Upload API).
    appId: text("app_id"),
    // From Meta's webhooks (features/number-state): the number's quality and messaging limit, the
    // account's restrictions or ban (JSON), and the hold they put on the project's campaigns.
    numberState: text("number_state", { mode: "json" }),
    messagingLimit: text("messaging_limit"),
    accountState: text("account_state", { mode: "json" }),
    holdReason: text("hold_reason"),
    holdUntil: integer("hold_until"),
    // When Meta's webhook (its verification or a delivery for this number) last reached the Worker,
    // written at most once a minute: the dashboard's "is Meta connected?" check.
    webhookAt: integer("webhook_at"),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("whatsapp_accounts_phone").on(t.phoneNumberId),
    index("whatsapp_accounts_waba").on(t.wabaId),
    index("whatsapp_accounts_verify").on(t.verifyTokenHash),
  ],
);

/**
 * Where a project's message status callbacks go. The signing secret is an AES-GCM ciphertext
 * (src/platform/sealed-secrets.ts, context `<projectId>:callback_secret`); it is shown to the
 * customer once, when created or rotated, and never again.
 */
export const callbackEndpoints = sqliteTable("callback_endpoints", {
  projectId: projectRef().primaryKey(),
  url: text("url").notNull(),
  secretEnc: text("secret_enc").notNull(),
  // "single": one event per POST, the original shape; "batch": `{ "events": [...] }`, up to 100
  // events per POST. Endpoints made before batching existed stay "single" until their owner opts in.
  format: text("format", { enum: ["single", "batch"] })
    .notNull()
    .default("single"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});
