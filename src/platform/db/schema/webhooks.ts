import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { projectRef } from "./projects";

/**
 * Webhook changes of fields the product does not act on, counted per project and field: Meta may
 * send any field the app is subscribed to, and each is acknowledged, never an error. The count
 * tells an operator what arrives unused.
 */
export const webhookFieldCounts = sqliteTable(
  "webhook_field_counts",
  {
    projectId: projectRef(),
    field: text("field").notNull(),
    count: integer("count").notNull().default(0),
    lastAt: integer("last_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.field] })],
);
