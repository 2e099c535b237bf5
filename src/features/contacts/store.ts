import { and, asc, eq, gt, inArray, type SQL, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { attributes, contactAttributes, contacts, contactTags, tags } from "../../platform/db/schema";
import { iso } from "../../platform/time";
import { ATTRIBUTES, resolveDefinitions, TAGS } from "./definitions";
import type { UpsertContactInput } from "./schemas";

// Tags and attributes come back in the same query as the contact, so a page of contacts is one
// round trip to D1 whatever its size. The outer contact is named in full (`"contacts"."id"`) on
// purpose: drizzle renders `${contacts.id}` in a single-table select as a bare `"id"`, which inside
// these subqueries would bind to `tags.id`/`attributes.id` and return other contacts' (and other
// projects') tags and attributes.
const contactColumns = {
  id: contacts.id,
  number: contacts.number,
  name: contacts.name,
  source: contacts.source,
  optedOut: contacts.optedOut,
  userId: contacts.userId,
  lastMessageAt: contacts.lastMessageAt,
  createdAt: contacts.createdAt,
  updatedAt: contacts.updatedAt,
  tags: sql<string>`(SELECT json_group_array(t.name) FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.contact_id = "contacts"."id")`,
  attributes: sql<string>`(SELECT json_group_object(a.name, ca.value) FROM contact_attributes ca JOIN attributes a ON a.id = ca.attribute_id WHERE ca.contact_id = "contacts"."id")`,
};

interface ContactRow {
  id: number;
  number: string;
  name: string | null;
  source: string | null;
  optedOut: boolean;
  userId: string | null;
  lastMessageAt: number | null;
  createdAt: number;
  updatedAt: number;
  tags: string | null;
  attributes: string | null;
}

export function toContact(row: ContactRow) {
  const tagNames = (JSON.parse(row.tags ?? "[]") as string[]).sort();
  const attrs = JSON.parse(row.attributes ?? "{}") as Record<string, string>;
  return {
    number: row.number,
    name: row.name,
    source: row.source,
    tags: tagNames,
    attributes: Object.fromEntries(Object.entries(attrs).sort(([a], [b]) => a.localeCompare(b))),
    optedOut: row.optedOut,
    // Present once known, so that a contact no one has heard from reads as it always has.
    ...(row.userId ? { userId: row.userId } : {}),
    ...(row.lastMessageAt ? { lastMessageAt: iso(row.lastMessageAt) } : {}),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

export type Contact = ReturnType<typeof toContact>;

const byNumber = (projectId: string, number: string) =>
  and(eq(contacts.projectId, projectId), eq(contacts.number, number));

export function selectContact(db: Db, projectId: string, number: string) {
  return db.select(contactColumns).from(contacts).where(byNumber(projectId, number));
}

export async function getContact(db: Db, projectId: string, number: string): Promise<Contact | null> {
  const row = await selectContact(db, projectId, number).get();
  return row ? toContact(row as ContactRow) : null;
}

export interface ContactFilter {
  tag?: string;
  source?: string;
  attribute?: { name: string; value: string };
  /** A business-scoped user id: the one contact Meta names by it. */
  userId?: string;
}

/**
 * One page of a project's contacts in id order, after `afterId`. A page costs about its own size:
 * with a tag, it walks that tag's entry in contact_tags_tag (tag, contact) from the cursor; with an
 * attribute (and no tag), that value's entry in contact_attributes_value (attribute, value,
 * contact); otherwise contacts_project_id, or contacts_project_source with a source. The other
 * conditions are probes per row. An `id IN (SELECT … every contact with the tag)` would make
 * SQLite build the tag's whole member list again for every page.
 */
export function listContactsQuery(
  db: Db,
  projectId: string,
  filter: ContactFilter,
  afterId: number | undefined,
  limit: number,
) {
  const after = afterId ?? 0;
  const tagId = (name: string) =>
    sql`(SELECT ${tags.id} FROM ${tags} WHERE ${tags.projectId} = ${projectId} AND ${tags.name} = ${name})`;
  const attributeId = (name: string) =>
    sql`(SELECT ${attributes.id} FROM ${attributes} WHERE ${attributes.projectId} = ${projectId} AND ${attributes.name} = ${name})`;
  const conditions: (SQL | undefined)[] = [eq(contacts.projectId, projectId)];
  if (filter.source !== undefined) conditions.push(eq(contacts.source, filter.source));
  if (filter.userId !== undefined) conditions.push(eq(contacts.userId, filter.userId));
  const attribute = filter.attribute;
  if (filter.tag !== undefined) {
    conditions.push(eq(contactTags.tagId, tagId(filter.tag)), gt(contactTags.contactId, after));
    if (attribute) {
      conditions.push(
        sql`EXISTS (SELECT 1 FROM contact_attributes ca WHERE ca.contact_id = "contacts"."id" AND ca.attribute_id = ${attributeId(attribute.name)} AND ca.value = ${attribute.value})`,
      );
    }
    return db
      .select(contactColumns)
      .from(contactTags)
      .innerJoin(contacts, eq(contacts.id, contactTags.contactId))
      .where(and(...conditions))
      .orderBy(asc(contactTags.contactId))
      .limit(limit + 1);
  }
  if (attribute) {
    conditions.push(
      eq(contactAttributes.attributeId, attributeId(attribute.name)),
      eq(contactAttributes.value, attribute.value),
      gt(contactAttributes.contactId, after),
    );
    return db
      .select(contactColumns)
      .from(contactAttributes)
      .innerJoin(contacts, eq(contacts.id, contactAttributes.contactId))
      .where(and(...conditions))
      .orderBy(asc(contactAttributes.contactId))
      .limit(limit + 1);
  }
  conditions.push(gt(contacts.id, after));
  return db
    .select(contactColumns)
    .from(contacts)
    .where(and(...conditions))
    .orderBy(asc(contacts.id))
    .limit(limit + 1);
}

export async function listContacts(
  db: Db,
  projectId: string,
  filter: ContactFilter,
  afterId: number | undefined,
  limit: number,
) {
  const rows = await listContactsQuery(db, projectId, filter, afterId, limit).all();
  return rows as ContactRow[];
}

/** Deletes a contact, returning it as it was just before; null when there was none. */
export async function deleteContact(db: Db, projectId: string, number: string): Promise<Contact | null> {
  // One batch is one transaction: the contact returned is exactly the one deleted.
  const [before, deleted] = await db.batch([
    selectContact(db, projectId, number),
    db.delete(contacts).where(byNumber(projectId, number)).returning({ id: contacts.id }),
  ]);
  const row = before[0];
  return row && deleted.length > 0 ? toContact(row as ContactRow) : null;
}

/** Tag and attribute ids already looked up for a whole batch of upserts: name → id. */
export interface KnownDefinitions {
  tags: Map<string, number>;
  attributes: Map<string, number>;
}

/** Looks up, once, the definitions that a batch of upserts names. */
export async function resolveKnown(db: Db, projectId: string, tagNames: string[], attributeNames: string[]) {
  const [tags, attributes] = await Promise.all([
    resolveDefinitions(db, TAGS, projectId, tagNames),
    resolveDefinitions(db, ATTRIBUTES, projectId, attributeNames),
  ]);
  return { tags: tags.ids, attributes: attributes.ids };
}

function fromKnown(ids: Map<string, number>, names: string[]) {
  return { ids, ignored: [...new Set(names.filter((n) => !ids.has(n)))] };
}

/**
 * Creates or updates a contact with its tags and attributes in one atomic D1 batch.
 * Fields left out of `input` keep their stored values; tags are added (and `removeTags` taken
 * away); attributes are set. Names the project has not defined are ignored and reported.
 */
export async function upsertContact(
  db: Db,
  projectId: string,
  number: string,
  input: Omit<UpsertContactInput, "number">,
  known?: KnownDefinitions,
) {
  const tagNames = [...(input.tags ?? []), ...(input.removeTags ?? [])];
  const attributeNames = Object.keys(input.attributes ?? {});
  const [tagDefs, attributeDefs] = known
    ? [fromKnown(known.tags, tagNames), fromKnown(known.attributes, attributeNames)]
    : await Promise.all([
        resolveDefinitions(db, TAGS, projectId, tagNames),
        resolveDefinitions(db, ATTRIBUTES, projectId, attributeNames),
      ]);

  const now = Date.now();
  const update: Partial<typeof contacts.$inferInsert> = { updatedAt: now };
  if (input.name !== undefined) update.name = input.name;
  if (input.source !== undefined) update.source = input.source;
  if (input.optedOut !== undefined) {
    update.optedOut = input.optedOut;
    update.optChangedAt = now;
  }

  const contactId = db.select({ id: contacts.id }).from(contacts).where(byNumber(projectId, number));

  const addIds = (input.tags ?? []).flatMap((n) => tagDefs.ids.get(n) ?? []);
  const removeIds = (input.removeTags ?? []).flatMap((n) => tagDefs.ids.get(n) ?? []);
  const attributeValues = Object.entries(input.attributes ?? {}).flatMap(([name, value]) => {
    const id = attributeDefs.ids.get(name);
    return id === undefined ? [] : [{ id, value }];
  });

  const upsert = db
    .insert(contacts)
    .values({
      projectId,
      number,
      name: input.name ?? null,
      source: input.source ?? null,
      optedOut: input.optedOut ?? false,
      optChangedAt: input.optedOut === undefined ? null : now,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoUpdate({ target: [contacts.projectId, contacts.number], set: update });

  // Tag and attribute ids are re-checked against their tables inside the batch, so a definition
  // deleted meanwhile is simply not applied rather than breaking a foreign key.
  const statements = [
    ...(addIds.length > 0
      ? [
          db
            .insert(contactTags)
            .select(
              db
                .select({ contactId: contacts.id, tagId: tags.id })
                .from(contacts)
                .innerJoin(tags, and(eq(tags.projectId, contacts.projectId), inArray(tags.id, addIds)))
                .where(byNumber(projectId, number)),
            )
            .onConflictDoNothing(),
        ]
      : []),
    ...(removeIds.length > 0
      ? [db.delete(contactTags).where(and(eq(contactTags.contactId, contactId), inArray(contactTags.tagId, removeIds)))]
      : []),
    ...attributeValues.map(({ id, value }) =>
      db
        .insert(contactAttributes)
        .select(
          db
            .select({ contactId: contacts.id, attributeId: attributes.id, value: sql<string>`${value}`.as("value") })
            .from(contacts)
            .innerJoin(attributes, and(eq(attributes.projectId, contacts.projectId), eq(attributes.id, id)))
            .where(byNumber(projectId, number)),
        )
        .onConflictDoUpdate({
          target: [contactAttributes.contactId, contactAttributes.attributeId],
          set: { value: sql`excluded.value` },
        }),
    ),
  ];

  // The batch runs as one transaction, so the leading existence check is exact.
  const results = await db.batch([contactId, upsert, ...statements, selectContact(db, projectId, number)]);
  const before = results[0] as { id: number }[];
  const final = results.at(-1) as ContactRow[];
  const row = final[0];
  if (!row) throw new Error("contact vanished inside its own upsert batch");
  return {
    contact: toContact(row),
    created: before.length === 0,
    ignored: { tags: tagDefs.ignored, attributes: attributeDefs.ignored },
  };
}
