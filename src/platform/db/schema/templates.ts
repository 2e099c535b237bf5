import { index, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
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
