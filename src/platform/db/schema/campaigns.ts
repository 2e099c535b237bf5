import { type SQL, sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, updatedAt } from "./columns";
import { projectRef } from "./projects";

/**
 * A campaign of either style. API campaigns send one template to whoever the CRM names; broadcast
 * campaigns (a later migration adds their columns) send to audiences in runs.
 */
export const campaigns = sqliteTable(
  "campaigns",
  {
    id: text("id").primaryKey(),
    // What an API campaign's messages carry in their `campaign_id` instead of its 28-character id:
    // the decimal text of a number no other campaign has (its row's number when it was created;
    // campaigns are never deleted), 1 to 7 bytes on each message row and in `messages_campaign`.
    // NULL on broadcast campaigns (their messages name their run) and on API campaigns created
    // before it existed, whose messages carry the id: read it through `campaignRefSql()`, never raw.
    ref: text("ref"),
    projectId: projectRef(),
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
    // Instead of imgUrl: a file of the project's media library (media_files.id), sent by the id
    // WhatsApp gave it when it was uploaded.
    imgMedia: text("img_media"),
    buttons: text("buttons", { mode: "json" }),
    language: text("language"),
    category: text("category"),
    // Broadcast campaigns only: its url buttons lead through GET /l/{token}, which counts each click
    // (src/features/link-clicks) before redirecting to the url in `buttons`.
    trackClicks: integer("track_clicks", { mode: "boolean" }).notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // A campaign by what its messages carry (a message's public campaign id); unique, so two
    // campaigns can never share their messages.
    uniqueIndex("campaigns_ref").on(sql`coalesce(${t.ref}, ${t.id})`),
    uniqueIndex("campaigns_project_kind_name").on(t.projectId, t.kind, t.name),
    index("campaigns_project").on(t.projectId, t.kind, t.id),
  ],
);

/** What a campaign's messages carry in their `campaign_id`, as SQL text (`table`: the name or alias the query gives campaigns). */
export const campaignRefSql = (table = "campaigns") => `coalesce(${table}.ref, ${table}.id)`;

/**
 * What the messages of the API campaign with public id `campaignId` carry in their `campaign_id`,
 * as a scalar subquery (one lookup by the campaign's key): `m.campaign_id = ${refOfCampaign(id)}`
 * still searches `messages_campaign`. An id no campaign has stands for itself.
 */
export const refOfCampaign = (campaignId: SQL | string) =>
  sql`coalesce((SELECT coalesce(ref, id) FROM campaigns WHERE id = ${campaignId}), ${campaignId})`;

/**
 * The public campaign id a message's `campaign_id` stands for, as SQL text (`value`: SQL text of
 * that value, e.g. "m.campaign_id"): the value itself when it is an id (a campaign created before
 * `campaigns.ref`), else its campaign's, looked up through `campaigns_ref`. The `+` strips the
 * column's text affinity, without which SQLite would not use an index on an expression.
 */
export const publicCampaignIdSql = (value: string) =>
  `CASE WHEN ${value} IS NULL OR ${value} GLOB 'cmp_*' THEN ${value} ELSE coalesce((SELECT cc.id FROM campaigns cc WHERE ${campaignRefSql("cc")} = +${value}), ${value}) END`;
