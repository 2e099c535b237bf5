import { readGate, verdict } from "../features/delivery/gate";
import { governorFor } from "../features/delivery/pacing";
import { type SliceContext, sendSlice } from "../features/delivery/send-slice";
import { afterTransitions } from "../features/messages/after-transitions";
import { skipCancelled } from "../features/runs/cancelled";
import { readConfig } from "../platform/config";
import { createDb } from "../platform/db/client";
import type { Transition } from "../platform/db/schema";
import { createLogger, logLevel } from "../platform/log";
import { backoffSeconds } from "../queues/backoff";
import type { SendsBody } from "../queues/contracts";
import { providerForProject } from "../whatsapp/select";

const retryAll = (messages: Iterable<Message<SendsBody>>) => {
  for (const message of messages) message.retry({ delaySeconds: backoffSeconds(message.attempts) });
};

/**
 * The `sends` queue: a cancelled run's messages are skipped, the rest are sent per project, each
 * at a slot its number's governor hands out (docs/pacing.md). Whatever crashes is retried with backoff; the claim on each message row
 * keeps a retry from sending anything twice.
 */
export async function consumeSends(batch: MessageBatch, env: Env, ctx?: ExecutionContext) {
  const config = readConfig(env);
  const db = createDb(env.DB);
  const log = createLogger({ queue: batch.queue }, logLevel(env));
  const messages = batch.messages as readonly Message<SendsBody>[];
  const transitions: (Transition | null)[] = [];

  const gate = await readGate(
    db,
    messages.map((m) => m.body),
  );
  const cancelled = new Set(messages.filter((m) => verdict(gate, m.body) === "skip"));
  if (cancelled.size > 0) {
    try {
      transitions.push(...(await skipCancelled(db, { ids: [...cancelled].map((m) => m.body.messageId) })));
      for (const message of cancelled) message.ack();
    } catch (err) {
      log.error("cannot skip a cancelled run's messages; will retry", { err });
      retryAll(cancelled);
    }
  }

  const byProject = new Map<string, Message<SendsBody>[]>();
  for (const message of messages) {
    if (cancelled.has(message)) continue;
    const list = byProject.get(message.body.projectId) ?? [];
    list.push(message);
    byProject.set(message.body.projectId, list);
  }
  await Promise.all(
    [...byProject].map(async ([projectId, list]) => {
      try {
        const { account, provider } = await providerForProject(db, { config, events: env.EVENTS }, projectId);
        const ctx: SliceContext = {
          db,
          log,
          env,
          account,
          provider,
          governor: governorFor(env, account.phoneNumberId),
          gate,
          maxSendAttempts: config.MAX_SEND_ATTEMPTS,
          transitions,
        };
        await sendSlice(ctx, list);
      } catch (err) {
        log.error("cannot send for project; will retry", { projectId, err });
        retryAll(list);
      }
    }),
  );
  await afterTransitions(env, transitions, log, ctx);
}
