import { type CallbackDeps, deliverCallbackMessages } from "../features/customer-callbacks/consume";
import { readConfig } from "../platform/config";
import { createDb } from "../platform/db/client";
import { createLogger, logLevel } from "../platform/log";

/**
 * The `callbacks` queue: a batch's status callbacks go to their receivers, all at once, each
 * receiver's messages acked or retried by its own answer (src/features/customer-callbacks/consume.ts).
 */
export async function consumeCallbacks(
  batch: MessageBatch,
  env: Env,
  options: Omit<CallbackDeps, "db" | "encryptionKey" | "log"> = {},
) {
  await deliverCallbackMessages(batch.messages, {
    ...options,
    db: createDb(env.DB),
    encryptionKey: readConfig(env).ENCRYPTION_KEY,
    log: createLogger({ queue: batch.queue }, logLevel(env)),
  });
}
