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
    // Audience pages ("all" and segments) walk a project's contacts in id order from a cursor.
    index("contacts_project_id").on(t.projectId, t.id),
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
    // How the last provider error was classified (retryable, permanent, account): a run's retry
    // re-sends only the failures that were retryable.
    errorClass: text("error_class", { enum: ["retryable", "permanent", "account"] }),
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
    // A broadcast run sends at most one message per number, however many of its audiences hold it.
    uniqueIndex("messages_run_number").on(t.runId, t.number).where(sql`run_id IS NOT NULL`),
    // A run's messages by status, in id order: whether any are still queued or sending (completion),
    // and keyset pages of its queued (resume, cancel) or failed (retry) ones, without a scan.
    index("messages_run_status").on(t.runId, t.status, t.id).where(sql`run_id IS NOT NULL`),
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
    // Broadcast campaigns only: the message as written (with `{group.variable}` placeholders),
    // the placeholders in template-parameter order (JSON string[] of "group.variable"), the image
    // header, the buttons as given (JSON), the language and Meta category of the template.
    message: text("message"),
    variables: text("variables", { mode: "json" }),
    imgUrl: text("img_url"),
    buttons: text("buttons", { mode: "json" }),
    language: text("language"),
    category: text("category"),
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

// ---------------------------------------------------------------------------------------------
// Broadcast campaigns: audiences, variable groups, runs, CSV imports and journeys.
// Customer-chosen ids (`myAudienceId`) are unique per project, not globally, so these tables
// carry an integer `pk` for joins and keyset pagination and a unique (project, id) pair.
// ---------------------------------------------------------------------------------------------

/**
 * A named group of contacts to target. Either a member list (`filter` null, members in
 * audience_members) or a segment (`filter` JSON, see src/audiences/segment.ts) evaluated when a
 * run starts.
 */
export const audiences = sqliteTable(
  "audiences",
  {
    pk: integer("pk").primaryKey({ autoIncrement: true }),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    id: text("id").notNull(),
    name: text("name").notNull(),
    description: text("description"),
    filter: text("filter", { mode: "json" }),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("audiences_project_id").on(t.projectId, t.id),
    index("audiences_project_name").on(t.projectId, t.name),
  ],
);

export const audienceMembers = sqliteTable(
  "audience_members",
  {
    audiencePk: integer("audience_pk")
      .notNull()
      .references(() => audiences.pk, { onDelete: "cascade" }),
    contactId: integer("contact_id")
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    addedAt: integer("added_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.audiencePk, t.contactId] }), index("audience_members_contact").on(t.contactId)],
);

/**
 * Named sets of per-number values that fill a broadcast message's `{group.variable}` placeholders.
 * `kind` "input" marks the group a campaign with input buttons collects presses into.
 */
export const variableGroups = sqliteTable(
  "variable_groups",
  {
    pk: integer("pk").primaryKey({ autoIncrement: true }),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    id: text("id").notNull(),
    name: text("name").notNull(),
    description: text("description"),
    // The variable names, in order, JSON string[].
    fields: text("fields", { mode: "json" }).notNull(),
    kind: text("kind", { enum: ["values", "input"] })
      .notNull()
      .default("values"),
    // For an input group: the campaign whose button presses it collects.
    campaignId: text("campaign_id"),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("variable_groups_project_id").on(t.projectId, t.id),
    uniqueIndex("variable_groups_project_name").on(t.projectId, t.name),
  ],
);

/** One number's values in a variable group: JSON object of field → string. */
export const variableValues = sqliteTable(
  "variable_values",
  {
    groupPk: integer("group_pk")
      .notNull()
      .references(() => variableGroups.pk, { onDelete: "cascade" }),
    // E.164, like contacts.number.
    number: text("number").notNull(),
    values: text("values", { mode: "json" }).notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.groupPk, t.number] })],
);

export const RUN_STATUSES = [
  "scheduled",
  "waiting_template",
  "fanning_out",
  "sending",
  "paused",
  "completed",
  "cancelled",
  "failed",
] as const;

/** One sending of a broadcast campaign to its audiences. Running a campaign again is a new run. */
export const runs = sqliteTable(
  "runs",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    campaignId: text("campaign_id").notNull(),
    status: text("status", { enum: RUN_STATUSES }).notNull(),
    // Why the run is in its status when that needs saying (waiting for approval, rejected template…).
    statusReason: text("status_reason"),
    // The audience references as the client gave them (ids, names or "all"), JSON string[].
    audiences: text("audiences", { mode: "json" }).notNull(),
    // Unix ms at which a scheduled run starts.
    timeToRun: integer("time_to_run"),
    // A retry run re-sends the retryable failures of this run.
    retryOf: text("retry_of"),
    // Fan-out progress: which audience (index) and the last contact id done in it. JSON.
    cursor: text("cursor", { mode: "json" }),
    // Recipients recorded by the fan-out: queued for sending, and skipped with a reason.
    queued: integer("queued").notNull().default(0),
    skipped: integer("skipped").notNull().default(0),
    createdAt: createdAt(),
    startedAt: integer("started_at"),
    fannedOutAt: integer("fanned_out_at"),
    finishedAt: integer("finished_at"),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("runs_project_campaign").on(t.projectId, t.campaignId, t.createdAt),
    index("runs_status_time").on(t.status, t.timeToRun),
  ],
);

/** A CSV upload (kept in R2 under `r2Key`) and the progress of the job importing it. */
export const imports = sqliteTable(
  "imports",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["audience", "variable_group"] }).notNull(),
    // The customer's ids of the audience and/or variable group being filled.
    audienceId: text("audience_id"),
    groupId: text("group_id"),
    r2Key: text("r2_key").notNull(),
    status: text("status", { enum: ["uploading", "queued", "running", "completed", "failed"] }).notNull(),
    error: text("error"),
    // The header row as read (JSON string[]), once the first chunk has parsed it.
    header: text("header", { mode: "json" }),
    bytesTotal: integer("bytes_total"),
    // Offset just past the last record done: where the next chunk resumes.
    bytesRead: integer("bytes_read").notNull().default(0),
    // Lines consumed so far, so that reject line numbers stay right across chunks.
    lines: integer("lines").notNull().default(0),
    rowsDone: integer("rows_done").notNull().default(0),
    rowsRejected: integer("rows_rejected").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
    finishedAt: integer("finished_at"),
  },
  (t) => [index("imports_project").on(t.projectId, t.createdAt)],
);

/** The rows an import could not take, with their line number and why. */
export const importRejects = sqliteTable(
  "import_rejects",
  {
    importId: text("import_id")
      .notNull()
      .references(() => imports.id, { onDelete: "cascade" }),
    line: integer("line").notNull(),
    number: text("number"),
    reason: text("reason").notNull(),
  },
  (t) => [primaryKey({ columns: [t.importId, t.line] })],
);

/** A named sequence of messages sent in reply when someone presses a journey button. */
export const journeys = sqliteTable(
  "journeys",
  {
    pk: integer("pk").primaryKey({ autoIncrement: true }),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    id: text("id").notNull(),
    name: text("name").notNull(),
    description: text("description"),
    // JSON array of steps, see src/journeys/schemas.ts.
    steps: text("steps", { mode: "json" }).notNull(),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("journeys_project_id").on(t.projectId, t.id)],
);
