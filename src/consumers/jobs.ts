import { handleArchiveMessage } from "../features/archive/job";
import { handleCallbackMessage } from "../features/customer-callbacks/consume";
import { handleImportMessage } from "../features/imports/job";
import { handleLinkClickMessage } from "../features/link-clicks/job";
import { handleRunJob } from "../features/runs/handlers";
import { readConfig } from "../platform/config";
import { createDb, type Db } from "../platform/db/client";
import { createLogger, type Logger, logLevel } from "../platform/log";
import { backoffSeconds } from "../queues/backoff";
import type { JobsBody } from "../queues/contracts";

// The `jobs` queue carries background work of several kinds, told apart by `body.kind`; each kind's
// handler acks or retries its own messages.

interface JobDeps {
  env: Env;
  db: Db;
  log: Logger;
}

type JobHandler<Body> = (message: Message<Body>, deps: JobDeps) => Promise<void>;

const HANDLERS = {
  // Queued here by an earlier version; new callbacks travel on their own queue.
  callback: (message, { env, db, log }) =>
    handleCallbackMessage(message, { db, log, encryptionKey: readConfig(env).ENCRYPTION_KEY }),
  "run-start": handleRunJob,
  "run-fanout": handleRunJob,
  "run-requeue": handleRunJob,
  "run-cancel": handleRunJob,
  import: handleImportMessage,
  archive: handleArchiveMessage,
  "link-click": handleLinkClickMessage,
} satisfies { [K in JobsBody["kind"]]: JobHandler<Extract<JobsBody, { kind: K }>> };

const kindOf = (body: unknown) =>
  body && typeof body === "object" && "kind" in body && typeof body.kind === "string" ? body.kind : null;

function handlerFor(kind: string | null): JobHandler<any> | undefined {
  return kind !== null && Object.hasOwn(HANDLERS, kind) ? HANDLERS[kind as JobsBody["kind"]] : undefined;
}

export async function consumeJobs(batch: MessageBatch, env: Env) {
  const log = createLogger({ queue: batch.queue }, logLevel(env));
  const db = createDb(env.DB);
  for (const message of batch.messages) {
    const kind = kindOf(message.body);
    const handler = handlerFor(kind);
    if (handler) {
      await handler(message, { env, db, log });
      continue;
    }
    // A kind no handler knows was most likely written by another version of this Worker (a newer
    // one, before a rollback). Acking would lose it, so it is retried like any failure: a version
    // that knows it may take it, and after the last retry it lands in the dead-letter queue, whose
    // consumer logs it again. The log names the kind, never the body.
    log.error("job of an unknown kind; will retry", {
      messageId: message.id,
      kind: kind?.slice(0, 40) ?? null,
      attempts: message.attempts,
    });
    message.retry({ delaySeconds: backoffSeconds(message.attempts) });
  }
}
