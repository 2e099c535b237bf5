import { integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, updatedAt } from "./columns";
import { projectRef } from "./projects";

/**
 * Named sets of per-number values that fill a broadcast message's `{group.variable}` placeholders.
 * `kind` "input" marks the group a campaign with input buttons collects presses into. The id is
 * the customer's, unique per project; `pk` serves joins (as for audiences).
 */
export const variableGroups = sqliteTable(
  "variable_groups",
  {
    pk: integer("pk").primaryKey({ autoIncrement: true }),
    projectId: projectRef(),
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
    updatedAt: updatedAt(),
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
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.groupPk, t.number] })],
);
