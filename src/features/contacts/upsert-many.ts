import { sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { contactAttributes, contacts, contactTags } from "../../platform/db/schema";
import type { KnownDefinitions } from "./store";

/** One contact of a set-based upsert: what an API send says about its recipient. */
export interface ContactFields {
  number: string;
  name: string;
  source?: string;
  tags?: string[];
  attributes?: Record<string, string>;
}

/**
 * The statements that create or update many contacts of one project at once, for one D1 batch:
 * the contacts (name set, source set when given, opt-out untouched), the tags they gain and the
 * attributes they set, each one statement whatever the number of contacts — their rows travel as
 * ONE JSON parameter (D1 binds at most 100). The same rules as `upsertContact` one at a time:
 * names the project has not defined (not in `known`) are left out, and a definition deleted
 * meanwhile is simply not applied. A number listed twice ends with its later fields.
 */
export function upsertContactsStatements(db: Db, projectId: string, list: ContactFields[], known: KnownDefinitions) {
  const now = Date.now();
  const rows = JSON.stringify(list.map((c) => [c.number, c.name, c.source ?? null]));
  const tagged = list.flatMap((c) =>
    (c.tags ?? []).flatMap((name) => {
      const id = known.tags.get(name);
      return id === undefined ? [] : [[c.number, id]];
    }),
  );
  const valued = list.flatMap((c) =>
    Object.entries(c.attributes ?? {}).flatMap(([name, value]) => {
      const id = known.attributes.get(name);
      return id === undefined ? [] : [[c.number, id, value]];
    }),
  );
  const contact = sql`JOIN contacts c ON c.project_id = ${projectId} AND c.number = j.value ->> '$[0]'`;
  // Raw SQL in drizzle's batch cannot take parameters: builders around SQL selects, columns in the
  // tables' order (contacts: id, project_id, number, name, source, opted_out, opt_changed_at,
  // user_id, last_message_at, created_at, updated_at).
  return [
    db
      .insert(contacts)
      .select(
        sql`SELECT NULL, ${projectId}, j.value ->> '$[0]', j.value ->> '$[1]', j.value ->> '$[2]', 0, NULL, NULL, NULL, ${now}, ${now}
            FROM json_each(${rows}) j WHERE true`,
      )
      .onConflictDoUpdate({
        target: [contacts.projectId, contacts.number],
        set: {
          name: sql`excluded.name`,
          source: sql`coalesce(excluded.source, ${contacts.source})`,
          updatedAt: sql`excluded.updated_at`,
        },
        // A CRM names the same person the same way on every send: an unchanged contact is not
        // rewritten, which saves D1 the row and its source index entry (two rows written a send),
        // and its `updated_at` keeps saying when it last changed.
        setWhere: sql`${contacts.name} IS NOT excluded.name OR (excluded.source IS NOT NULL AND ${contacts.source} IS NOT excluded.source)`,
      }),
    ...(tagged.length === 0
      ? []
      : [
          db
            .insert(contactTags)
            .select(
              sql`SELECT c.id, g.id FROM json_each(${JSON.stringify(tagged)}) j ${contact}
                  JOIN tags g ON g.project_id = c.project_id AND g.id = j.value ->> '$[1]' WHERE true`,
            )
            .onConflictDoNothing(),
        ]),
    ...(valued.length === 0
      ? []
      : [
          db
            .insert(contactAttributes)
            .select(
              sql`SELECT c.id, a.id, j.value ->> '$[2]' FROM json_each(${JSON.stringify(valued)}) j ${contact}
                  JOIN attributes a ON a.project_id = c.project_id AND a.id = j.value ->> '$[1]' WHERE true`,
            )
            .onConflictDoUpdate({
              target: [contactAttributes.contactId, contactAttributes.attributeId],
              set: { value: sql`excluded.value` },
            }),
        ]),
  ];
}
