import { handleCallbackMessage } from "../features/customer-callbacks/deliver";
import { handleImportMessage } from "../features/imports/job";
import { handleRunJob } from "../features/runs/handlers";
import { readConfig } from "../platform/config";
import { createDb, type Db } from "../platform/db/client";
import { createLogger, type Logger, logLevel } from "../platform/log";
import type { CallbackJob } from "../queues/contracts";

// The `jobs` queue carries background work of several kinds, told apart by `body.kind`. Each
// kind's handler acks or retries its own messages. A kind without a handler yet
// is kept as the dispatcher keeps a queue without a consumer: retried after a minute, until the
// dead-letter queue's consumer logs it.

interface JobDeps {
  env: Env;
  db: Db;
  log: Logger;
}

type JobHandler = (message: Message<any>, deps: JobDeps) => Promise<void>;

const HANDLERS: Record<string, JobHandler> = {
  callback: (message: Message<CallbackJob>, { env, db, log }) =>
    handleCallbackMessage(message, { db, log, encryptionKey: readConfig(env).ENCRYPTION_KEY }),
  "run-start": handleRunJob,
  "run-fanout": handleRunJob,
  "run-requeue": handleRunJob,
  "run-cancel": handleRunJob,
  import: handleImportMessage,
};

export const UNKNOWN_KIND_RETRY_SECONDS = 60;

function handlerFor(body: unknown): JobHandler | undefined {
  const kind = body && typeof body === "object" && "kind" in body ? body.kind : undefined;
  return typeof kind === "string" && Object.hasOwn(HANDLERS, kind) ? HANDLERS[kind] : undefined;
}

export async function consumeJobs(batch: MessageBatch, env: Env) {
  const log = createLogger({ queue: batch.queue }, logLevel(env));
  const known = batch.messages.filter((message) => handlerFor(message.body) !== undefined);
  const unknown = batch.messages.length - known.length;
  if (unknown > 0 && known.length === 0) {
    log.warn("no consumer for queue yet; messages retried", { count: unknown });
    batch.retryAll({ delaySeconds: UNKNOWN_KIND_RETRY_SECONDS });
    return;
  }
  if (unknown > 0) {
    log.warn("no consumer for these job kinds yet; messages retried", { count: unknown });
    for (const message of batch.messages) {
      if (!handlerFor(message.body)) message.retry({ delaySeconds: UNKNOWN_KIND_RETRY_SECONDS });
    }
  }
  const db = createDb(env.DB);
  for (const message of known) await (handlerFor(message.body) as JobHandler)(message, { env, db, log });
}
