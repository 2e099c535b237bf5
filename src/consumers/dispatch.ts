import { createLogger, logLevel } from "../platform/log";

/** The queues this Worker consumes, by role. Names carry the Worker's prefix in wrangler.toml. */
export type QueueRole = "sends" | "jobs" | "events";

export interface QueueHandlers {
  [role: string]: ((batch: MessageBatch, env: Env, ctx: ExecutionContext) => Promise<void>) | undefined;
}

export function queueRole(queueName: string): { role: QueueRole | null; deadLetter: boolean } {
  const deadLetter = queueName.endsWith("-dlq");
  const base = deadLetter ? queueName.slice(0, -4) : queueName;
  const role = (["sends", "jobs", "events"] as const).find((r) => base.endsWith(`-${r}`)) ?? null;
  return { role, deadLetter };
}

/**
 * Routes a batch to the consumer for its queue (`<role>-dlq` for a dead-letter queue). A queue
 * without a consumer keeps its messages: they are retried and finally land in the dead-letter
 * queue, whose default branch logs each one, so nothing disappears without a trace.
 */
export async function dispatchQueue(batch: MessageBatch, env: Env, ctx: ExecutionContext, handlers: QueueHandlers) {
  const log = createLogger({ queue: batch.queue }, logLevel(env));
  const { role, deadLetter } = queueRole(batch.queue);
  const deadLetterHandler = deadLetter && role ? handlers[`${role}-dlq`] : undefined;
  if (deadLetterHandler) {
    await deadLetterHandler(batch, env, ctx);
    return;
  }
  if (deadLetter) {
    for (const message of batch.messages) {
      log.error("dead letter", { messageId: message.id, attempts: message.attempts });
      message.ack();
    }
    return;
  }
  const handler = role ? handlers[role] : undefined;
  if (!handler) {
    log.warn("no consumer for queue yet; messages retried", { count: batch.messages.length });
    batch.retryAll({ delaySeconds: 60 });
    return;
  }
  await handler(batch, env, ctx);
}
