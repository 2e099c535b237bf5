import { createLogger, logLevel } from "../platform/log";
import { backoffSeconds } from "../queues/backoff";

/** The queues this Worker consumes, by role. Names carry the Worker's prefix in wrangler.toml. */
export type QueueRole = "sends" | "jobs" | "events" | "callbacks";

export type QueueHandler = (batch: MessageBatch, env: Env, ctx: ExecutionContext) => Promise<void>;

/** A consumer for every queue and for its dead-letter queue: no dead letter is dropped. */
export type QueueHandlers = Record<QueueRole | `${QueueRole}-dlq`, QueueHandler>;

const ROLES: readonly QueueRole[] = ["sends", "jobs", "events", "callbacks"];

export function queueRole(queueName: string): { role: QueueRole | null; deadLetter: boolean } {
  const deadLetter = queueName.endsWith("-dlq");
  // A shard of a role's queue is named `<prefix>-<role>-<n>` (src/platform/queue-shards.ts).
  const base = (deadLetter ? queueName.slice(0, -4) : queueName).replace(/-\d+$/, "");
  const role = ROLES.find((r) => base.endsWith(`-${r}`)) ?? null;
  return { role, deadLetter };
}

/** Routes a batch to the consumer for its queue (`<role>-dlq` for a dead-letter queue). */
export async function dispatchQueue(batch: MessageBatch, env: Env, ctx: ExecutionContext, handlers: QueueHandlers) {
  const log = createLogger({ queue: batch.queue }, logLevel(env));
  const { role, deadLetter } = queueRole(batch.queue);
  if (deadLetter && role) {
    await handlers[`${role}-dlq`](batch, env, ctx);
    return;
  }
  if (deadLetter) {
    // The dead-letter queue of a queue no code knows: nothing can be done with these messages but
    // keep their trace in the log (ids and counts, no body).
    for (const message of batch.messages) {
      log.error("dead letter of an unknown queue", { messageId: message.id, attempts: message.attempts });
      message.ack();
    }
    return;
  }
  if (!role) {
    // A queue wrangler.toml hands this Worker but no code knows: a deployment mistake. Acking would
    // lose its messages, so they are retried like any failure, logged at each delivery, until the
    // deployment is fixed or the queue's retries run out (into its dead-letter queue, if it has one).
    log.error("no consumer for this queue; messages retried", { count: batch.messages.length });
    for (const message of batch.messages) message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    return;
  }
  await handlers[role](batch, env, ctx);
}
