import { and, asc, eq, gt, isNull } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { deadLetters } from "../../platform/db/schema";
import { newId } from "../../platform/ids";

export type DeadLetterRow = typeof deadLetters.$inferSelect;
export type DeadLetterQueue = DeadLetterRow["queue"];

/** What a dead-lettered queue message says of itself, read from its body without trusting it. */
function describe(body: unknown): { projectId: string | null; kind: string } {
  const record = body && typeof body === "object" ? (body as Record<string, unknown>) : {};
  return {
    projectId: typeof record.projectId === "string" ? record.projectId : null,
    // Every contract body names its kind (`whatsapp-webhook` on the events queue, a job's kind on
    // the jobs queue); a body without one is kept all the same.
    kind: typeof record.kind === "string" ? record.kind : "unknown",
  };
}

/**
 * Records a batch's dead letters in one D1 batch. A message the dead-letter queue delivers again
 * (its ack lost) is recorded once, by the queue's own message id.
 */
export async function recordDeadLetters(
  db: Db,
  queue: DeadLetterQueue,
  messages: readonly { id: string; body: unknown; attempts: number; reason?: string }[],
  now = Date.now(),
) {
  if (messages.length === 0) return;
  const [first, ...rest] = messages.map((message) =>
    db
      .insert(deadLetters)
      .values({
        id: newId("dlq"),
        queue,
        queueMessageId: message.id,
        ...describe(message.body),
        body: message.body,
        attempts: message.attempts,
        reason: message.reason ?? `no outcome after ${message.attempts} deliveries`,
        createdAt: now,
      })
      .onConflictDoNothing(),
  );
  if (first) await db.batch([first, ...rest]);
}

export interface DeadLetterFilter {
  queue?: DeadLetterQueue;
  projectId?: string;
  /** Only those not replayed yet. */
  pending?: boolean;
}

/** Oldest first, in id order (ids start with their creation time). */
export function listDeadLetters(db: Db, filter: DeadLetterFilter, afterId: string | undefined, limit: number) {
  return db
    .select()
    .from(deadLetters)
    .where(
      and(
        filter.queue === undefined ? undefined : eq(deadLetters.queue, filter.queue),
        filter.projectId === undefined ? undefined : eq(deadLetters.projectId, filter.projectId),
        filter.pending ? isNull(deadLetters.replayedAt) : undefined,
        afterId === undefined ? undefined : gt(deadLetters.id, afterId),
      ),
    )
    .orderBy(asc(deadLetters.id))
    .limit(limit + 1)
    .all();
}

export const getDeadLetter = (db: Db, id: string) => db.select().from(deadLetters).where(eq(deadLetters.id, id)).get();

/** Marks a dead letter replayed, once: false if another replay got there first. */
export async function markReplayed(db: Db, id: string, now = Date.now()): Promise<DeadLetterRow | undefined> {
  return db
    .update(deadLetters)
    .set({ replayedAt: now })
    .where(and(eq(deadLetters.id, id), isNull(deadLetters.replayedAt)))
    .returning()
    .get();
}

/** A piece of a webhook that could not be applied, recorded as a dead letter of the events queue. */
export interface WebhookDeadLetter {
  /** Records the same piece once: a retried queue message, or a POST Meta sends twice. */
  key: string;
  projectId: string | null;
  kind: string;
  reason: string;
  body: unknown;
}

// D1 keeps a value of at most 2 MB; a signed body is at most 3 MB and a piece of it is usually a
// few KB. A piece larger than this is kept cut, with the cut said in its reason.
const MAX_KEPT_CHARS = 512 * 1024;

/**
 * Records webhook pieces that were read but could not be applied (an unreadable change, one for a
 * number no project owns), one D1 batch, each replayable like any events dead letter. They never
 * went through the queue's retries, so `attempts` is 0.
 */
export async function recordWebhookDeadLetters(db: Db, letters: readonly WebhookDeadLetter[], now = Date.now()) {
  if (letters.length === 0) return;
  const [first, ...rest] = letters.map((letter) => {
    const json = JSON.stringify(letter.body) ?? "null";
    const cut = json.length > MAX_KEPT_CHARS;
    return db
      .insert(deadLetters)
      .values({
        id: newId("dlq"),
        queue: "events",
        queueMessageId: letter.key,
        projectId: letter.projectId,
        kind: letter.kind,
        body: cut ? { cut: true, start: json.slice(0, MAX_KEPT_CHARS) } : letter.body,
        attempts: 0,
        reason: cut ? `${letter.reason} (kept cut to its first ${MAX_KEPT_CHARS} characters)` : letter.reason,
        createdAt: now,
      })
      .onConflictDoNothing();
  });
  if (first) await db.batch([first, ...rest]);
}
