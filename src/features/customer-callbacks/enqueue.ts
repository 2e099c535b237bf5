import type { Db } from "../../platform/db/client";
import { iso } from "../../platform/time";
import type { MessageStatus, Transition } from "../messages/status";
import { projectsWithEndpoint } from "./endpoint";

/**
 * What the customer's endpoint receives, as JSON, for every real status transition of a message.
 * `id` is the same for every delivery of one transition (`<messageId>:<status>`), so a receiver
 * that sees an id twice can ignore the second.
 */
export interface CallbackEvent {
  id: string;
  event: "message.status";
  projectId: string;
  messageId: string;
  campaignId: string | null;
  runId: string | null;
  status: MessageStatus;
  /** null when the message was just recorded. */
  previousStatus: MessageStatus | null;
  error: { code: number | null; title: string; message: string } | null;
  /** When the transition was handed to the callback pipeline (ISO 8601). */
  at: string;
}

/** A `jobs` queue message of kind "callback": one event for one project's endpoint. */
export interface CallbackJob {
  kind: "callback";
  projectId: string;
  event: CallbackEvent;
}

/** A sendBatch call takes at most 100 messages. */
const SEND_BATCH_LIMIT = 100;

export const callbackEventId = (messageId: string, status: MessageStatus) => `${messageId}:${status}`;

export function toCallbackEvent(t: Transition, at: number): CallbackEvent {
  return {
    id: callbackEventId(t.messageId, t.to),
    event: "message.status",
    projectId: t.projectId,
    messageId: t.messageId,
    campaignId: t.campaignId,
    runId: t.runId,
    status: t.to,
    previousStatus: t.from,
    error: t.error ? { code: t.error.code, title: t.error.title, message: t.error.message } : null,
    at: iso(at),
  };
}

/**
 * Queues a signed status callback to the project's URL for each transition: one `jobs` message
 * per transition, for projects that have an endpoint. Delivery (./deliver.ts) happens on the jobs
 * queue, so a slow or failing receiver never holds up sending.
 */
export async function enqueueCallbacks(
  env: Env,
  db: Db,
  transitions: Transition[],
  options: { now?: () => number } = {},
): Promise<void> {
  if (transitions.length === 0) return;
  const now = (options.now ?? Date.now)();
  const wanted = await projectsWithEndpoint(
    db,
    transitions.map((t) => t.projectId),
    now,
  );
  const jobs: { body: CallbackJob }[] = transitions
    .filter((t) => wanted.has(t.projectId))
    .map((t) => ({ body: { kind: "callback", projectId: t.projectId, event: toCallbackEvent(t, now) } }));
  for (let i = 0; i < jobs.length; i += SEND_BATCH_LIMIT) {
    await env.JOBS.sendBatch(jobs.slice(i, i + SEND_BATCH_LIMIT));
  }
}
