import { sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { messageEvents, messages } from "../../platform/db/schema";
import { EVENT_STEP } from "../messages/trail";

/**
 * The history notes of sends Meta accepted with a `message_status` other than `accepted`: for each
 * message the batch `tx` moved to sent, an `e` step on its trail and the message_events row it
 * stands for. Two statements whatever their number (the list is ONE JSON parameter), and nothing
 * for a message a webhook had already moved on.
 */
export function acceptedNotes(db: Db, noted: string[][], tx: number, now: number) {
  const list = JSON.stringify(noted);
  return [
    // The history row first, while the trail still ends in this batch's `s`: each row is read once.
    db.insert(messageEvents).select(
      sql`SELECT NULL, m.id, 'sent', ${now}, NULL, j.value ->> '$[1]'
          FROM json_each(${list}) j JOIN messages m ON m.id = j.value ->> '$[0]' WHERE m.tx = ${tx}`,
    ),
    db
      .update(messages)
      .set({ trail: sql`${messages.trail} || ${EVENT_STEP}` })
      .from(sql`json_each(${list}) j`)
      .where(sql`${messages.id} = j.value ->> '$[0]' AND ${messages.tx} = ${tx}`),
  ];
}
