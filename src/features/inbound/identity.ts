import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../../platform/db/client";
import { contacts, responses } from "../../platform/db/schema";
import type { NumberChange, Person, UserIdChange } from "./parse";

// A person reaches us by number, by business-scoped user id (BSUID), or both, and their contact is
// found by whichever arrives. A contact known by its BSUID alone keeps it as its `number` (the key
// every other feature reads) until a number arrives with it; then that contact takes the number,
// or, when the number already has a contact, is folded into it: the newer opt-out request and the
// responses move over, and the BSUID goes to the numbered contact. Plain statements, so that one
// webhook change is one D1 batch; each changes nothing when replayed.

type Item = BatchItem<"sqlite">;

// Built with the query builder around SQL fragments: drizzle cannot put a raw `db.run(sql)` with
// parameters into a D1 batch. Inside a fragment, bare column names are those of the row updated.

/** The statements that make sure `who` has one contact, both ids linked, with its last message time. */
export function seenStatements(db: Db, projectId: string, who: Person, at: number | null, now: number): Item[] {
  const { number, userId } = who;
  const statements: Item[] = [];
  if (number === null && userId !== null) {
    // The SELECT lists every column of contacts in its schema order, as INSERT … SELECT takes them.
    statements.push(
      db
        .insert(contacts)
        .select(
          sql`SELECT NULL, ${projectId}, ${userId}, NULL, NULL, 0, NULL, ${userId}, ${at}, ${now}, ${now}
            WHERE NOT EXISTS (SELECT 1 FROM contacts WHERE project_id = ${projectId} AND user_id = ${userId})`,
        )
        .onConflictDoNothing(),
    );
    if (at !== null) {
      statements.push(
        db
          .update(contacts)
          .set({ lastMessageAt: at, updatedAt: now })
          .where(sql`project_id = ${projectId} AND user_id = ${userId} AND coalesce(last_message_at, 0) < ${at}`),
      );
    }
    return statements;
  }
  if (number === null) return statements;
  if (userId !== null) {
    const placeholder = sql`(SELECT ph.opt_changed_at FROM contacts ph WHERE ph.project_id = ${projectId} AND ph.number = ${userId})`;
    statements.push(
      // The newest pairing wins: a BSUID another contact held (a number changed without our
      // hearing of it) is taken from it.
      db
        .update(contacts)
        .set({ userId: null, updatedAt: now })
        .where(sql`project_id = ${projectId} AND user_id = ${userId} AND number <> ${number} AND number <> ${userId}`),
      db
        .update(contacts)
        .set({
          optedOut: sql`(SELECT ph.opted_out FROM contacts ph WHERE ph.project_id = ${projectId} AND ph.number = ${userId})`,
          optChangedAt: placeholder,
          updatedAt: now,
        })
        .where(
          sql`project_id = ${projectId} AND number = ${number} AND ${placeholder} IS NOT NULL AND coalesce(opt_changed_at, 0) < ${placeholder}`,
        ),
      db.update(responses).set({ number }).where(sql`project_id = ${projectId} AND number = ${userId}`),
      db
        .delete(contacts)
        .where(
          sql`project_id = ${projectId} AND number = ${userId} AND EXISTS (SELECT 1 FROM contacts c WHERE c.project_id = ${projectId} AND c.number = ${number})`,
        ),
      db.update(contacts).set({ number, updatedAt: now }).where(sql`project_id = ${projectId} AND number = ${userId}`),
    );
  }
  statements.push(
    // Only a real change updates the row: a replayed message leaves it exactly as it was.
    db
      .insert(contacts)
      .values({ projectId, number, userId, lastMessageAt: at, createdAt: now, updatedAt: now })
      .onConflictDoUpdate({
        target: [contacts.projectId, contacts.number],
        set: {
          userId: sql`coalesce(excluded.user_id, "contacts"."user_id")`,
          lastMessageAt: sql`CASE WHEN excluded.last_message_at IS NULL THEN "contacts"."last_message_at"
            ELSE max(coalesce("contacts"."last_message_at", 0), excluded.last_message_at) END`,
          updatedAt: sql`excluded.updated_at`,
        },
        setWhere: sql`(excluded.user_id IS NOT NULL AND "contacts"."user_id" IS NOT excluded.user_id)
          OR (excluded.last_message_at IS NOT NULL AND coalesce("contacts"."last_message_at", 0) < excluded.last_message_at)`,
      }),
  );
  return statements;
}

/**
 * Sets the opt-out flag of `who`'s contact (made to exist by seenStatements before it), only when
 * it changes or was never set by the person, and only for a request newer than the last: a STOP
 * redelivered after a later START (webhooks arrive late and out of order) leaves the contact opted
 * in. RETURNING tells whether anything changed.
 */
export function optStatement(db: Db, projectId: string, who: Person, optedOut: boolean, at: number, now: number) {
  const contact = who.number !== null ? sql`number = ${who.number}` : sql`user_id = ${who.userId}`;
  const flag = optedOut ? 1 : 0;
  return db
    .update(contacts)
    .set({ optedOut, optChangedAt: at, updatedAt: now })
    .where(
      sql`project_id = ${projectId} AND ${contact} AND coalesce(opt_changed_at, 0) <= ${at} AND (opted_out <> ${flag} OR opt_changed_at IS NULL)`,
    )
    .returning({ id: contacts.id });
}

/**
 * `user_changed_number`: the contact moves to the new number with its id, so its tags, attributes,
 * opt-out state and responses go with it. When the new number already has a contact, that one
 * takes the old contact's opt-out state if it is the newer request, and the responses; the old
 * contact stays as it is (the old number may now be someone else's). Messages keep the number
 * they were sent to.
 */
export function movedStatements(db: Db, projectId: string, change: NumberChange, now: number): Item[] {
  const { from, to, userId } = change;
  const old = (column: string) =>
    sql`(SELECT ${sql.raw(`o.${column}`)} FROM contacts o WHERE o.project_id = ${projectId} AND o.number = ${from})`;
  const statements: Item[] = [
    db
      .update(contacts)
      .set({ optedOut: old("opted_out"), optChangedAt: old("opt_changed_at"), updatedAt: now })
      .where(
        sql`project_id = ${projectId} AND number = ${to} AND opted_out <> ${old("opted_out")}
          AND coalesce(${old("opt_changed_at")}, 0) >= coalesce(opt_changed_at, 0)`,
      ),
  ];
  if (userId !== null) {
    statements.push(
      db
        .update(contacts)
        .set({ userId: null, updatedAt: now })
        .where(sql`project_id = ${projectId} AND user_id = ${userId} AND number <> ${to}`),
    );
  }
  statements.push(
    db
      .update(contacts)
      .set({ number: to, userId: sql`coalesce(${userId}, user_id)`, updatedAt: now })
      .where(
        sql`project_id = ${projectId} AND number = ${from}
          AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.project_id = ${projectId} AND c.number = ${to})`,
      ),
    db.update(responses).set({ number: to }).where(sql`project_id = ${projectId} AND number = ${from}`),
  );
  if (userId !== null) {
    statements.push(
      db
        .update(contacts)
        .set({ userId, updatedAt: now })
        .where(sql`project_id = ${projectId} AND number = ${to} AND user_id IS NOT ${userId}`),
    );
  }
  return statements;
}

/** `user_changed_user_id`: the contact holding the old BSUID takes the new one (and as its key, if it was its key). */
export function userIdChangedStatements(db: Db, projectId: string, change: UserIdChange, now: number): Item[] {
  const { from, to } = change;
  return [
    db
      .update(contacts)
      .set({ userId: to, number: sql`CASE WHEN number = ${from} THEN ${to} ELSE number END`, updatedAt: now })
      .where(
        sql`project_id = ${projectId} AND user_id = ${from}
          AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.project_id = ${projectId} AND (c.user_id = ${to} OR c.number = ${to}))`,
      ),
    db.update(responses).set({ number: to }).where(sql`project_id = ${projectId} AND number = ${from}`),
  ];
}

/**
 * Statuses that name both the recipient's number and BSUID link them on the number's contact, in
 * one statement for any number of statuses (one JSON parameter: D1 binds at most 100 per
 * statement). A contact that has a BSUID keeps it; a BSUID another contact holds is left there.
 */
export async function linkRecipients(
  db: Db,
  projectId: string,
  links: readonly { number: string; userId: string }[],
  now = Date.now(),
) {
  if (links.length === 0) return;
  await db.run(sql`UPDATE contacts SET user_id = json_extract(j.value, '$.u'), updated_at = ${now}
    FROM json_each(${JSON.stringify(links.map((l) => ({ n: l.number, u: l.userId })))}) AS j
    WHERE contacts.project_id = ${projectId} AND contacts.number = json_extract(j.value, '$.n')
      AND contacts.user_id IS NULL
      AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.project_id = ${projectId} AND c.user_id = json_extract(j.value, '$.u'))`);
}
