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
    uniqueIndex("campaigns_project_kind_name").on(t.projectId, t.kind, t.name),
    index("campaigns_project").on(t.projectId, t.kind, t.id),
  ],
);
