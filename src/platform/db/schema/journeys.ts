import { integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, updatedAt } from "./columns";
import { projectRef } from "./projects";

/**
 * A named sequence of messages sent in reply when someone presses a journey button. The id is the
 * customer's, unique per project; `pk` serves joins (as for audiences).
 */
export const journeys = sqliteTable(
  "journeys",
  {
    pk: integer("pk").primaryKey({ autoIncrement: true }),
    projectId: projectRef(),
    id: text("id").notNull(),
    name: text("name").notNull(),
    description: text("description"),
    // JSON array of steps, see src/features/journeys/schemas.ts.
    steps: text("steps", { mode: "json" }).notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("journeys_project_id").on(t.projectId, t.id)],
);
