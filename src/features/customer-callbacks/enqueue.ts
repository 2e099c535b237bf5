import type { Db } from "../../platform/db/client";
import type { MessageStatus, Transition } from "../../platform/db/schema";
import { iso } from "../../platform/time";
import type { CallbackEvent, CallbackJob } from "../../queues/contracts";
import { sendCallbacks } from "../../queues/producers";
import { projectsWithEndpoint } from "./endpoint";

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
 * Queues a signed status callback to the project's URL for each transition: one `callbacks`
 * message per transition, for projects that have an endpoint. Delivery (./consume.ts) happens on
 * that queue alone, so a slow or failing receiver never holds up sending, fan-outs or imports.
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
  const jobs: CallbackJob[] = transitions
    .filter((t) => wanted.has(t.projectId))
    .map((t) => ({ kind: "callback", projectId: t.projectId, event: toCallbackEvent(t, now) }));
  await sendCallbacks(env, jobs);
}
