import type { Db } from "../../platform/db/client";
import type { CallbacksBody, EventsBody, JobsBody } from "../../queues/contracts";
import { sendCallbacks, sendEvents, sendJobs } from "../../queues/producers";
import type { DeadLetterRow } from "./store";
import { routeUnrouted, UNROUTED_KIND, type UnroutedBody } from "./unrouted-webhooks";

/**
 * Puts a dead letter's body back on the queue it died on, as it was. Every consumer is idempotent
 * (statuses only move forward, presses and opt-outs are recorded once, jobs carry their position),
 * so a body that was partly applied before it died is finished, not applied twice. A webhook piece
 * no project owned when it arrived is routed again first, to the projects that own its number now
 * (a 409 when none does yet).
 */
export async function replayDeadLetter(env: Pick<Env, "EVENTS" | "JOBS" | "CALLBACKS">, db: Db, row: DeadLetterRow) {
  switch (row.queue) {
    case "events":
      if (row.kind === UNROUTED_KIND) return sendEvents(env, await routeUnrouted(db, row.body as UnroutedBody));
      return sendEvents(env, [row.body as EventsBody]);
    case "jobs":
      return sendJobs(env, [row.body as JobsBody]);
    case "callbacks":
      return sendCallbacks(env, [row.body as CallbacksBody]);
  }
}
