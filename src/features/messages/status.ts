import { and, eq, sql } from "drizzle-orm";
import type { SQLiteUpdateSetSource } from "drizzle-orm/sqlite-core";
import type { Db } from "../../platform/db/client";
import {
  type MessageStatus,
  messageEvents,
  messages,
  type StatusChange,
  type Transition,
} from "../../platform/db/schema";
import type { Logger } from "../../platform/log";
import { classOfStatusError } from "../../whatsapp/errors";

// A message's status only moves forward: queued → sending → sent → delivered → read. `failed` is
// reachable from any state before delivery and is final, as is `skipped` — except a failure whose
// outcome was unknown (the send may have reached Meta, and nobody heard back in time): Meta's own
// word that it was sent, delivered or read still applies. Webhooks arrive late, twice and out of
// order; a status that would move a message backwards changes nothing.
const RANK: Record<MessageStatus, number> = {
  queued: 0,
  sending: 1,
  sent: 2,
  delivered: 3,
  read: 4,
  failed: 5,
  skipped: 5,
};

export function canMove(from: MessageStatus, to: MessageStatus, fromClass: string | null = null): boolean {
  if (from === "failed" && fromClass === "unknown") return to === "sent" || to === "delivered" || to === "read";
  if (from === "failed" || from === "skipped") return false;
  if (to === "failed" || to === "skipped") return RANK[from] < RANK.delivered;
  return RANK[to] > RANK[from];
}

const MAX_CAS_ATTEMPTS = 5;

/** The history status that marks a second wamid Meta reported for one message. */
export const DUPLICATE_SEND = "duplicate";

/**
 * Meta reported a second wamid for one of our messages: it was sent twice. The first wamid stays
 * the message's; the second is kept once in its history (a replayed webhook adds nothing) and
 * logged, so an operator can count and trace detected duplicates.
 */
async function recordSecondWamid(db: Db, messageId: string, wamid: string, log?: Logger) {
  const { meta } = await db.run(
    sql`INSERT INTO message_events (message_id, status, at, error_code, detail)
        SELECT ${messageId}, ${DUPLICATE_SEND}, ${Date.now()}, NULL, ${wamid}
        WHERE NOT EXISTS (SELECT 1 FROM message_events WHERE message_id = ${messageId} AND status = ${DUPLICATE_SEND} AND detail = ${wamid})`,
  );
  if (meta.changes > 0) log?.warn("a second wamid for one message: it was sent twice", { messageId, wamid });
}

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
 * Applies a provider status to a message if it moves it forward. Compare-and-set on the current
 * status makes concurrent deliveries of the same or crossing webhooks apply at most once each;
 * the history row is written in the same batch, only when the update changed the row.
 */
export async function applyStatus(
  db: Db,
  where: { projectId: string; messageId?: string; wamid?: string },
  change: StatusChange,
  options: { log?: Logger } = {},
): Promise<Transition | null> {
  const key = where.messageId ? eq(messages.id, where.messageId) : where.wamid ? eq(messages.wamid, where.wamid) : null;
  if (!key) return null;
  for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
    const current = await db
      .select({
        id: messages.id,
        status: messages.status,
        campaignId: messages.campaignId,
        runId: messages.runId,
        wamid: messages.wamid,
        errorClass: messages.errorClass,
      })
      .from(messages)
      .where(and(key, eq(messages.projectId, where.projectId)))
      .get();
    if (!current) return null;
    if (change.wamid && current.wamid && change.wamid !== current.wamid) {
      await recordSecondWamid(db, current.id, change.wamid, options.log);
    }
    if (!canMove(current.status, change.status, current.errorClass)) return null;

    const set: SQLiteUpdateSetSource<typeof messages> = { status: change.status, updatedAt: Date.now() };
    if (current.errorClass === "unknown" && change.status !== "failed") {
      // Meta's word settles an unknown outcome: the message was sent after all.
      Object.assign(set, { errorClass: null, errorCode: null, errorTitle: null, errorMessage: null, failedAt: null });
    }
    if (change.wamid) set.wamid = sql`coalesce(${messages.wamid}, ${change.wamid})`;
    if (change.status === "sent") set.sentAt = change.at;
    if (change.status === "delivered" || change.status === "read") {
      set.deliveredAt = sql`coalesce(${messages.deliveredAt}, ${change.at})`;
      set.sentAt = sql`coalesce(${messages.sentAt}, ${change.at})`;
    }
    if (change.status === "read") set.readAt = change.at;
    if (change.status === "failed") {
      set.failedAt = change.at;
      set.errorCode = change.error?.code ?? null;
      set.errorTitle = change.error?.title ?? null;
      set.errorMessage = change.error?.message ?? null;
      // A failure without Meta's code is ours (dead-lettered, swept). One that came while the
      // message was still queued never reached Meta, so a run's retry may send it; from `sending`
      // the outcome is unknown: never re-sent on a guess, and Meta's later word still applies.
      const ours = (change.error?.code ?? null) === null;
      set.errorClass =
        ours && current.status === "queued"
          ? "retryable"
          : ours && current.status === "sending"
            ? "unknown"
            : classOfStatusError(change.error?.code ?? null);
    }
    const [updated] = await db.batch([
      db
        .update(messages)
        .set(set)
        .where(and(eq(messages.id, current.id), eq(messages.status, current.status)))
        .returning({ id: messages.id }),
      historyIfChanged(
        db,
        current.id,
        change.status,
        change.at,
        change.error?.code ?? null,
        change.error?.title ?? null,
      ),
    ]);
    if (updated.length === 1) {
      return {
        messageId: current.id,
        projectId: where.projectId,
        campaignId: current.campaignId,
        runId: current.runId,
        from: current.status,
        to: change.status,
        error: change.error,
      };
    }
    // Another writer moved the message between our read and write: read again and re-decide.
  }
  // Never dropped silently: the caller's queue message is retried.
  throw new Error(`status ${change.status} for a message kept conflicting with concurrent updates`);
}
