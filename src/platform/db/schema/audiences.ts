import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, updatedAt } from "./columns";
import { contacts } from "./contacts";
import { projectRef } from "./projects";

// Customer-chosen ids (`myAudienceId`, and likewise for variable groups and journeys) are unique
// per project, not globally, so these tables carry an integer `pk` for joins and keyset
// pagination and a unique (project, id) pair.

/**
 * A named group of contacts to target. Either a member list (`filter` null, members in
 * audience_members) or a segment (`filter` JSON, see src/features/audiences/segment.ts) evaluated
 * when a run starts.
 */
export const audiences = sqliteTable(
  "audiences",
  {
    pk: integer("pk").primaryKey({ autoIncrement: true }),
    projectId: projectRef(),
    id: text("id").notNull(),
    name: text("name").notNull(),
    description: text("description"),
    filter: text("filter", { mode: "json" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
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
