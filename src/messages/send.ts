import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { messageEvents, messages } from "../db/schema";
import type { ProviderError, TemplateMessage, WhatsAppProvider } from "../whatsapp/types";
import { encodeCallback } from "./callback";
import { applyStatus, historyIfChanged, type Transition } from "./status";

export type SendOutcome =
  | { kind: "sent"; wamid: string; transition: Transition | null }
  | { kind: "failed"; error: ProviderError; transition: Transition | null }
  | { kind: "retry"; error: ProviderError }
  /** The account cannot send (token, restriction, payment, spam limit): the message waits, queued. */
  | { kind: "account"; error: ProviderError }
  /** Another delivery of the same queue message already claimed it: nothing was sent. */
  | { kind: "duplicate" };

/**
 * Sends one queued message at most once. The claim (queued → sending) is a compare-and-set, so
 * a queue message delivered twice makes one provider call; the second finds it already claimed.
 */
export async function sendQueuedMessage(
  db: Db,
  provider: WhatsAppProvider,
  projectId: string,
  messageId: string,
  options: { finalAttempt?: boolean; attempts?: number } = {},
): Promise<SendOutcome> {
  const now = Date.now();
  const [claimed] = await db.batch([
    db
      .update(messages)
      .set({ status: "sending", attempts: sql`${messages.attempts} + 1`, updatedAt: now })
      .where(and(eq(messages.id, messageId), eq(messages.projectId, projectId), eq(messages.status, "queued")))
      .returning({ payload: messages.payload, campaignId: messages.campaignId, runId: messages.runId }),
    historyIfChanged(db, messageId, "sending", now),
  ]);
  const row = claimed[0];
  if (!row) return { kind: "duplicate" };

  const payload = row.payload as TemplateMessage;
  const result = await provider.sendTemplate({
    ...payload,
    callbackData: encodeCallback({ messageId, campaignId: row.campaignId, runId: row.runId }),
  });

  if (result.ok) {
    // The wamid is stored whatever the status: a webhook may already have moved the message on.
    await db.update(messages).set({ wamid: result.wamid }).where(eq(messages.id, messageId));
    const transition = await applyStatus(db, { projectId, messageId }, { status: "sent", at: Date.now() });
    return { kind: "sent", wamid: result.wamid, transition };
  }
  const givingUp = result.error.class === "retryable" && options.finalAttempt;
  if (result.error.class === "permanent" || givingUp) {
    const error = givingUp
      ? { ...result.error, message: `${result.error.message} (gave up after ${options.attempts ?? "all"} attempts)` }
      : result.error;
    const transition = await applyStatus(db, { projectId, messageId }, { status: "failed", at: Date.now(), error });
    return { kind: "failed", error, transition };
  }
  // Retryable and account-level failures hand the message back to the queue for a later attempt.
  await db.batch([
    db
      .update(messages)
      .set({
        status: "queued",
        errorCode: result.error.code,
        errorTitle: result.error.title,
        errorMessage: result.error.message,
        updatedAt: Date.now(),
      })
      .where(and(eq(messages.id, messageId), eq(messages.status, "sending"))),
    db.insert(messageEvents).values({
      messageId,
      status: "queued",
      at: Date.now(),
      errorCode: result.error.code,
      detail: `retry: ${result.error.title}`,
    }),
  ]);
  return result.error.class === "account"
    ? { kind: "account", error: result.error }
    : { kind: "retry", error: result.error };
}
