import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, updatedAt } from "./columns";
import { projectRef } from "./projects";

export const tags = sqliteTable(
  "tags",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    projectId: projectRef(),
    name: text("name").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("tags_project_name").on(t.projectId, t.name)],
);

export const attributes = sqliteTable(
  "attributes",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    projectId: projectRef(),
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
    projectId: projectRef(),
    number: text("number").notNull(),
    name: text("name"),
    source: text("source"),
    optedOut: integer("opted_out", { mode: "boolean" }).notNull().default(false),
    // When the opt-out flag last changed (the person's own request time for inbound messages), so
    // an older request replayed late never undoes a newer one.
    optChangedAt: integer("opt_changed_at"),
    // The person's business-scoped user id (BSUID), Meta's id for them beside or instead of the
    // number. A contact known by it alone keeps it as its number too, until a number arrives.
    userId: text("user_id"),
    // When the person last wrote to us (Meta's timestamp): WhatsApp's 24-hour window runs from it.
    lastMessageAt: integer("last_message_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("contacts_project_number").on(t.projectId, t.number),
    // A webhook names a person by number, by BSUID or both: either finds the one contact.
    uniqueIndex("contacts_project_user_id").on(t.projectId, t.userId).where(sql`user_id IS NOT NULL`),
    index("contacts_project_source").on(t.projectId, t.source, t.id),
    // Audience pages ("all" and segments) walk a project's contacts in id order from a cursor.
    index("contacts_project_id").on(t.projectId, t.id),
    // A project's opted-out numbers (the send path's snapshot): only opted-out rows are in it, so
    // reading them costs their count, not the project's contacts. `opted_out` is a column too, so
    // the index alone answers the query (SQLite does not count a partial index's WHERE as covered).
    index("contacts_opted_out").on(t.projectId, t.optedOut, t.number).where(sql`opted_out = 1`),
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
