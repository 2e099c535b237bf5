import { persistApiSend } from "../features/api-campaigns/persist";
import { failDeadDaySend, isDaySend } from "../features/api-days/dead-letter";
import { type DeadLetterQueue, recordDeadLetters } from "../features/dead-letters/store";
import { afterTransitions } from "../features/messages/after-transitions";
import { applyStatus } from "../features/messages/status";
import { createDb } from "../platform/db/client";
import type { Transition } from "../platform/db/schema";
import { createLogger, logLevel } from "../platform/log";
import { DEAD_LETTER_RETRY_SECONDS } from "../queues/backoff";
import type { SendsQueueBody } from "../queues/contracts";

/**
 * What lands in the sends dead-letter queue exhausted its retries without an outcome. It is
 * recorded as failed, so nothing a user sent is silently lost; a message that already reached a
 * final state is left as it is.
 */
export async function consumeDeadSends(batch: MessageBatch, env: Env) {
  const db = createDb(env.DB);
  const log = createLogger({ queue: batch.queue }, logLevel(env));
  const transitions: (Transition | null)[] = [];
  for (const message of batch.messages as readonly Message<SendsQueueBody>[]) {
    const job = message.body;
    if (job.kind === "claim") {
      // A claim that never ran claimed nothing, or what it claimed is in flight in the run's
      // object (settled by Meta's word or the sweep): the object releases the leave again.
      log.warn("dead claim job dropped; its run's object releases it again", { runId: job.runId });
      message.ack();
      continue;
    }
    try {
      const error = { code: null, title: "Dead-lettered", message: `no outcome after ${message.attempts} deliveries` };
      if (isDaySend(job)) {
        // Its day's object records it and its log moves the counters: no transition here.
        await failDeadDaySend(env, db, job, error);
      } else {
        // An API send that never got persisted still leaves its contact and a failed message behind.
        if (job.kind === "api-send") transitions.push((await persistApiSend(db, job)).created);
        transitions.push(
          await applyStatus(
            db,
            { projectId: job.projectId, messageId: job.messageId },
            { status: "failed", at: Date.now(), error },
          ),
        );
      }
      log.error("dead letter recorded as failed", { messageId: job.messageId, attempts: message.attempts });
      message.ack();
    } catch (err) {
      log.error("dead letter could not be recorded; will retry", { messageId: job.messageId, err });
      message.retry({ delaySeconds: DEAD_LETTER_RETRY_SECONDS });
    }
  }
  await afterTransitions(env, transitions, log);
}

/**
 * The events, jobs and callbacks dead-letter queues: each message is kept whole in D1 with the reason, where
 * an operator lists and replays it (`/v1/admin/dead-letters`). A status webhook or a STOP that Meta
 * will not send again is never dropped. If D1 cannot take them now, they are retried; the log line
 * names each message, which is all that is left if the retries run out too.
 */
export function consumeDeadLetters(queue: DeadLetterQueue) {
  return async (batch: MessageBatch, env: Env) => {
    const log = createLogger({ queue: batch.queue }, logLevel(env));
    try {
      await recordDeadLetters(createDb(env.DB), queue, batch.messages);
      for (const message of batch.messages) {
        log.error("dead letter recorded", { messageId: message.id, attempts: message.attempts });
        message.ack();
      }
    } catch (err) {
      log.error("dead letters could not be recorded; will retry", {
        messageIds: batch.messages.map((m) => m.id),
        err,
      });
      for (const message of batch.messages) message.retry({ delaySeconds: DEAD_LETTER_RETRY_SECONDS });
    }
  };
}
