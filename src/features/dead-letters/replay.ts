import type { CallbacksBody, EventsBody, JobsBody } from "../../queues/contracts";
import { sendCallbacks, sendEvents, sendJobs } from "../../queues/producers";
import type { DeadLetterRow } from "./store";

/**
 * Puts a dead letter's body back on the queue it died on, as it was. Every consumer is idempotent
 * (statuses only move forward, presses and opt-outs are recorded once, jobs carry their position),
 * so a body that was partly applied before it died is finished, not applied twice.
 */
export function replayDeadLetter(env: Pick<Env, "EVENTS" | "JOBS" | "CALLBACKS">, row: DeadLetterRow) {
  switch (row.queue) {
    case "events":
      return sendEvents(env, [row.body as EventsBody]);
    case "jobs":
      return sendJobs(env, [row.body as JobsBody]);
    case "callbacks":
      return sendCallbacks(env, [row.body as CallbacksBody]);
  }
}
