import { InboundBulk } from "../features/inbound/bulk";
import { afterTransitions } from "../features/messages/after-transitions";
import { applyStatuses, type StatusUpdate } from "../features/messages/apply-statuses";
import { applyLedgerStatuses } from "../features/run-ledger/route-statuses";
import { handleAllButStatuses } from "../features/webhooks/apply";
import { isStateField } from "../features/webhooks/state-fields";
import { createDb } from "../platform/db/client";
import type { Transition } from "../platform/db/schema";
import { createLogger, logLevel } from "../platform/log";
import { backoffSeconds } from "../queues/backoff";
import type { EventsBody } from "../queues/contracts";

/**
 * Applies a batch of verified webhook payloads. Template updates and inbound messages are handled
 * per payload, each change and each piece of it read on its own (an unreadable one is kept as a
 * dead letter, never a reason to fail the rest); the message statuses of the whole batch are then applied together, in a fixed
 * handful of D1 statements whatever the batch holds (~3,000 statuses a second come from one
 * number at 1,000 sends a second). Should that fail, each payload's statuses are applied on their
 * own, so one bad status holds back only its own queue message. Everything here is idempotent, so
 * a retried message changes nothing twice.
 */
export async function consumeEvents(batch: MessageBatch, env: Env, ctx?: ExecutionContext) {
  const db = createDb(env.DB);
  const log = createLogger({ queue: batch.queue }, logLevel(env));
  const transitions: Transition[] = [];
  const retry = (message: Message, err: unknown) => {
    log.error("webhook event failed; will retry", { err });
    message.retry({ delaySeconds: backoffSeconds(message.attempts) });
  };
  let handled: { message: Message; statuses: StatusUpdate[] }[] = [];
  // Plain presses and replies of the whole batch, applied together after (features/inbound/bulk.ts).
  const inbound = new InboundBulk();
  const handle = async (message: Message) => {
    try {
      const body = message.body as EventsBody;
      handled.push({
        message,
        statuses: await handleAllButStatuses(db, body, log, env, message.id, {
          take: (projectId, actions) => inbound.take(projectId, actions, message.id),
        }),
      });
    } catch (err) {
      retry(message, err);
    }
  };
  // A change of a template's, number's or account's state reads the row it changes and what
  // follows from it: two at once would each read the state before the other, so DISABLED then
  // REINSTATED ended held. They are applied one after another, in the batch's (Meta's) order, and
  // everything else at once beside them.
  const ordered = batch.messages.filter((m) => changesState(m.body as EventsBody));
  const rest = batch.messages.filter((m) => !changesState(m.body as EventsBody));
  await Promise.all([
    (async () => {
      for (const message of ordered) await handle(message);
    })(),
    ...rest.map(handle),
  ]);
  const unapplied = await inbound.apply(db, log);
  if (unapplied.size > 0) {
    for (const { message } of handled) if (unapplied.has(message.id)) retry(message, "inbound not applied");
    handled = handled.filter(({ message }) => !unapplied.has(message.id));
  }
  try {
    // Statuses of messages in a run's own object go there; the rest to D1's ledger.
    const statuses = await applyLedgerStatuses(
      env,
      db,
      handled.flatMap((h) => h.statuses),
      log,
    );
    transitions.push(...(await applyStatuses(db, statuses, { log })));
    for (const { message } of handled) message.ack();
  } catch (err) {
    log.warn("a batch's statuses could not be applied together; applying them payload by payload", { err });
    for (const { message, statuses } of handled) {
      try {
        transitions.push(...(await applyStatuses(db, await applyLedgerStatuses(env, db, statuses, log), { log })));
        message.ack();
      } catch (err) {
        retry(message, err);
      }
    }
  }
  await afterTransitions(env, transitions, log, ctx);
}

/** Whether a payload carries a change of a template's, number's or account's state. */
const changesState = (body: EventsBody) =>
  (body.payload?.entry ?? []).some((entry) => (entry.changes ?? []).some((change) => isStateField(change.field)));
