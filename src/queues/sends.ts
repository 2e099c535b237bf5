import { createDb } from "../db/client";
import { readConfig } from "../env";
import { createLogger, logLevel } from "../lib/log";
import { type ApiSendJob, processApiSend } from "../messages/api-send";
import { sendQueuedMessage } from "../messages/send";
import { providerForProject } from "../whatsapp";

/** What the `sends` queue carries: a pointer to a queued message row, or an accepted API send. */
export type SendJob = { kind: "send"; projectId: string; messageId: string } | ApiSendJob;

const MAX_RETRY_DELAY_SECONDS = 15 * 60;

/** Exponential backoff with full jitter, in whole seconds as Queues take them. */
export function backoffSeconds(attempts: number, base = 2, cap = MAX_RETRY_DELAY_SECONDS): number {
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempts - 1));
  return Math.max(1, Math.round(Math.random() * ceiling));
}

export async function consumeSends(batch: MessageBatch, env: Env) {
  const config = readConfig(env);
  const db = createDb(env.DB);
  const log = createLogger({ queue: batch.queue }, logLevel(env));
  for (const message of batch.messages) {
    const job = message.body as SendJob;
    try {
      const { provider } = await providerForProject(db, { config, events: env.EVENTS }, job.projectId);
      const outcome =
        job.kind === "api-send"
          ? await processApiSend(db, provider, job)
          : await sendQueuedMessage(db, provider, job.projectId, job.messageId);
      if (outcome.kind === "retry") {
        message.retry({ delaySeconds: outcome.error.retryAfterSeconds ?? backoffSeconds(message.attempts) });
        continue;
      }
      if (outcome.kind === "failed") log.info("send failed", { messageId: job.messageId, code: outcome.error.code });
      message.ack();
    } catch (err) {
      log.error("send crashed; will retry", { messageId: job.messageId, err });
      message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    }
  }
}
