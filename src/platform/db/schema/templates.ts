import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, updatedAt } from "./columns";
import { projectRef } from "./projects";

export const templates = sqliteTable(
  "templates",
  {
    id: text("id").primaryKey(),
    projectId: projectRef(),
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
    // From Meta's webhooks (features/templates/meta-state.ts), JSON: the quality score, the
    // rejection's reason and recommendation, the last status event, a category change.
    quality: text("quality", { mode: "json" }),
    rejectionInfo: text("rejection_info", { mode: "json" }),
    statusEvent: text("status_event", { mode: "json" }),
    categoryChange: text("category_change", { mode: "json" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("templates_project_name_language").on(t.projectId, t.name, t.language),
    index("templates_project_status").on(t.projectId, t.status, t.id),
    index("templates_provider_id").on(t.providerTemplateId),
  ],
);

/**
 * A short number for each template an API campaign's messages name: they carry its decimal text in
 * `template_id` instead of the template's 28-character id (src/features/api-campaigns/persist.ts,
 * `templateRefs` in src/platform/db/refs.ts). A table of its own, never deleted, where a column of
 * `templates` would not do: a template may be deleted while its messages still name it, and a
 * number taken from the templates' rows could then be given again. Made the first time a
 * template is sent, not when it is created.
 */
export const templateRefs = sqliteTable("template_refs", {
  ref: integer("ref").primaryKey(),
  templateId: text("template_id").notNull().unique(),
});

/**
 * The public template id a message's `template_id` stands for, as SQL text (`value`: SQL text of
 * that value, e.g. "m.template_id"): the value itself when it is an id (a message recorded before
 * `template_refs`), else the id its ref stands for, looked up by the ref's key. The column's text
 * meets the key's integer affinity, so `'17'` finds ref 17.
 */
export const publicTemplateIdSql = (value: string) =>
  `CASE WHEN ${value} IS NULL OR ${value} GLOB 'tpl_*' THEN ${value} ELSE coalesce((SELECT tr.template_id FROM template_refs tr WHERE tr.ref = ${value}), ${value}) END`;
