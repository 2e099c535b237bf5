import { afterTransitions } from "../features/messages/after-transitions";
import { handleWebhookEvent } from "../features/webhooks/apply";
import { createDb } from "../platform/db/client";
import type { Transition } from "../platform/db/schema";
import { createLogger, logLevel } from "../platform/log";
import { backoffSeconds } from "../queues/backoff";
import type { EventsBody } from "../queues/contracts";

export async function consumeEvents(batch: MessageBatch, env: Env, ctx?: ExecutionContext) {
  const db = createDb(env.DB);
  const log = createLogger({ queue: batch.queue }, logLevel(env));
  const transitions: (Transition | null)[] = [];
  // Events of one batch are applied concurrently: each status change is a compare-and-set, so two
  // statuses of one message racing each other still apply in a valid order, each at most once.
  await Promise.all(
    batch.messages.map(async (message) => {
      try {
        transitions.push(...(await handleWebhookEvent(db, message.body as EventsBody, log, env)));
        message.ack();
      } catch (err) {
        log.error("webhook event failed; will retry", { err });
        message.retry({ delaySeconds: backoffSeconds(message.attempts) });
      }
    }),
  );
  await afterTransitions(env, transitions, log, ctx);
}
