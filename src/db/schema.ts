import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

// Timestamps are Unix milliseconds: cheap to compare and index, turned into ISO strings at the edge.
const createdAt = () => integer("created_at").notNull().default(sql`(unixepoch('subsec') * 1000)`);

/** A tenant: one WhatsApp Business number with its contacts, templates and campaigns. */
export const projects = sqliteTable("projects", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  createdAt: createdAt(),
});

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
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

export const tags = sqliteTable(
  "tags",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("tags_project_name").on(t.projectId, t.name)],
);

export const attributes = sqliteTable(
  "attributes",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("attributes_project_name").on(t.projectId, t.name)],
);

export const contacts = sqliteTable(
  "contacts",
  {
    // An integer key keeps join tables small and gives keyset pagination a stable order.
    id: integer("id").primaryKey({ autoIncrement: true }),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    number: text("number").notNull(),
    name: text("name"),
    source: text("source"),
    optedOut: integer("opted_out", { mode: "boolean" }).notNull().default(false),
    // When the opt-out flag last changed (the person's own request time for inbound messages), so
    // an older request replayed late never undoes a newer one.
    optChangedAt: integer("opt_changed_at"),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("contacts_project_number").on(t.projectId, t.number),
    index("contacts_project_source").on(t.projectId, t.source, t.id),
  ],
);

export const contactTags = sqliteTable(
  "contact_tags",
  {
    contactId: integer("contact_id")
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    tagId: integer("tag_id")
      .notNull()
      .references(() => tags.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.contactId, t.tagId] }), index("contact_tags_tag").on(t.tagId, t.contactId)],
);

export const contactAttributes = sqliteTable(
  "contact_attributes",
  {
    contactId: integer("contact_id")
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    attributeId: integer("attribute_id")
      .notNull()
      .references(() => attributes.id, { onDelete: "cascade" }),
    value: text("value").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.contactId, t.attributeId] }),
    index("contact_attributes_value").on(t.attributeId, t.value, t.contactId),
  ],
);

/**
 * The WhatsApp Business number behind a project. Access token and app secret are AES-GCM
 * ciphertexts (see src/whatsapp/credentials.ts); the webhook verify token is only ever compared,
 * so only its SHA-256 is kept.
 */
export const whatsappAccounts = sqliteTable(
  "whatsapp_accounts",
  {
    projectId: text("project_id")
      .primaryKey()
      .references(() => projects.id, { onDelete: "cascade" }),
    provider: text("provider", { enum: ["meta", "sandbox"] }).notNull(),
    phoneNumberId: text("phone_number_id").notNull(),
    wabaId: text("waba_id").notNull(),
    accessTokenEnc: text("access_token_enc"),
    appSecretEnc: text("app_secret_enc"),
    verifyTokenHash: text("verify_token_hash"),
    // Messages per second this number may send (Meta's default tier is 80; up to 1,000).
    throughput: integer("throughput").notNull().default(80),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("whatsapp_accounts_phone").on(t.phoneNumberId),
    index("whatsapp_accounts_waba").on(t.wabaId),
    index("whatsapp_accounts_verify").on(t.verifyTokenHash),
  ],
);

export const templates = sqliteTable(
  "templates",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    language: text("language").notNull(),
    category: text("category", { enum: ["MARKETING", "UTILITY", "AUTHENTICATION"] }).notNull(),
    status: text("status", { enum: ["PENDING", "APPROVED", "REJECTED", "PAUSED", "DISABLED"] }).notNull(),
    rejectedReason: text("rejected_reason"),
    // Meta's id for the template, once submitted.
    providerTemplateId: text("provider_template_id"),
    // The definition as submitted (header, body, footer, buttons), JSON.
    definition: text("definition", { mode: "json" }).notNull(),
    // What a send must supply, JSON: header kind and count, body count, button parameters.
    params: text("params", { mode: "json" }).notNull(),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("templates_project_name_language").on(t.projectId, t.name, t.language),
    index("templates_project_status").on(t.projectId, t.status, t.id),
    index("templates_provider_id").on(t.providerTemplateId),
  ],
);

/** One WhatsApp message to one recipient, from acceptance to its final state. */
export const messages = sqliteTable(
  "messages",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    campaignId: text("campaign_id"),
    runId: text("run_id"),
    templateId: text("template_id"),
    number: text("number").notNull(),
    status: text("status", {
      enum: ["queued", "sending", "sent", "delivered", "read", "failed", "skipped"],
    }).notNull(),
    // The provider-neutral message to send (src/whatsapp/types.ts TemplateMessage), JSON.
    payload: text("payload", { mode: "json" }),
    wamid: text("wamid"),
    attempts: integer("attempts").notNull().default(0),
    errorCode: integer("error_code"),
    errorTitle: text("error_title"),
    errorMessage: text("error_message"),
    skipReason: text("skip_reason"),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
    sentAt: integer("sent_at"),
    deliveredAt: integer("delivered_at"),
    readAt: integer("read_at"),
    failedAt: integer("failed_at"),
  },
  (t) => [
    uniqueIndex("messages_wamid").on(t.wamid),
    index("messages_project").on(t.projectId, t.id),
    index("messages_campaign_run").on(t.campaignId, t.runId, t.id),
    index("messages_status_updated").on(t.status, t.updatedAt),
  ],
);

/** Every state a message went through, in order, for `GET /v1/messages/{id}`. */
export const messageEvents = sqliteTable(
  "message_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    messageId: text("message_id")
      .notNull()
      .references(() => messages.id, { onDelete: "cascade" }),
    status: text("status").notNull(),
    at: integer("at").notNull(),
    errorCode: integer("error_code"),
    detail: text("detail"),
  },
  (t) => [index("message_events_message").on(t.messageId, t.id)],
);

/**
 * A campaign of either style. API campaigns send one template to whoever the CRM names; broadcast
 * campaigns (a later migration adds their columns) send to audiences in runs.
 */
export const campaigns = sqliteTable(
  "campaigns",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["api", "broadcast"] }).notNull(),
    name: text("name").notNull(),
    // No foreign key: a template may be deleted at Meta and here while campaigns still name it;
    // sending then answers with a clear error instead of the delete failing.
    templateId: text("template_id"),
    status: text("status", { enum: ["live", "paused"] }).notNull(),
    // Why sending is paused when the system paused it (an account-level error from Meta).
    pausedReason: text("paused_reason"),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("campaigns_project_kind_name").on(t.projectId, t.kind, t.name),
    index("campaigns_project").on(t.projectId, t.kind, t.id),
  ],
);

/**
 * Where a project's message status callbacks go. The signing secret is an AES-GCM ciphertext
 * (src/whatsapp/credentials.ts, context `<projectId>:callback_secret`); it is shown to the
 * customer once, when created or rotated, and never again.
 */
export const callbackEndpoints = sqliteTable("callback_endpoints", {
  projectId: text("project_id")
    .primaryKey()
    .references(() => projects.id, { onDelete: "cascade" }),
  url: text("url").notNull(),
  secretEnc: text("secret_enc").notNull(),
  createdAt: createdAt(),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * What people answered to campaign messages: quick-reply presses (template `button` messages and
 * interactive replies) and text replies quoting one of our messages. Linked to the message it
 * answers, and through it to the campaign and run, when the quoted wamid is one of ours.
 */
export const responses = sqliteTable(
  "responses",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    // E.164, like contacts.number.
    number: text("number").notNull(),
    // No foreign keys: a response outlives the message or campaign it answered.
    messageId: text("message_id"),
    campaignId: text("campaign_id"),
    runId: text("run_id"),
    // The inbound message's own wamid: a replayed webhook stores nothing twice.
    wamid: text("wamid").notNull(),
    kind: text("kind", { enum: ["button", "text", "interactive"] }).notNull(),
    payload: text("payload"),
    text: text("text"),
    receivedAt: integer("received_at").notNull(),
  },
  (t) => [
    uniqueIndex("responses_project_wamid").on(t.projectId, t.wamid),
    index("responses_project_campaign").on(t.projectId, t.campaignId, t.id),
    index("responses_project_number").on(t.projectId, t.number),
  ],
);
