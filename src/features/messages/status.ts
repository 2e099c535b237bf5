import { sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { messageEvents, type StatusChange, type Transition } from "../../platform/db/schema";
import type { Logger } from "../../platform/log";
import { applyStatuses } from "./apply-statuses";

export { canMove, DUPLICATE_SEND } from "../ledger-rules/transitions";

/**
 * A history row that is written only if the statement just before it in the same batch changed a
 * row (`changes()`), so the history never records a transition that did not happen.
 */
export function historyIfChanged(
  db: Db,
  messageId: string,
  status: string,
  at: number,
  errorCode: number | null = null,
  detail: string | null = null,
) {
  // Column order of message_events: id, message_id, status, at, error_code, detail.
  return db
    .insert(messageEvents)
    .select(sql`SELECT NULL, ${messageId}, ${status}, ${at}, ${errorCode}, ${detail} WHERE changes() = 1`);
}

/**
 * Applies one provider status to a message if it moves it forward: `applyStatuses` with one
 * update. Returns the transition, or null when the message is unknown or the status changes nothing.
 */
export async function applyStatus(
  db: Db,
  where: { projectId: string; messageId?: string; wamid?: string },
  change: StatusChange,
  options: { log?: Logger } = {},
): Promise<Transition | null> {
  const [transition] = await applyStatuses(db, [{ ...where, change }], options);
  return transition ?? null;
}
