// A batch of status callbacks, delivered per receiver: each project's events go to its endpoint
// (one POST per event, or up to MAX_EVENTS_PER_REQUEST per POST for endpoints that take batches),
// every receiver at the same time, each with its own time limit. A receiver that hangs or fails
// holds up and retries only its own messages; the others' are acked as soon as the batch ends.

import type { Db } from "../../platform/db/client";
import type { Logger } from "../../platform/log";
import { backoffSeconds, callbackBackoffSeconds } from "../../queues/backoff";
import type { CallbackEvent, CallbackJob } from "../../queues/contracts";
import { recordDeadLetters } from "../dead-letters/store";
import {
  type DeliverOptions,
  type EndpointRow,
  MAX_CALLBACK_ATTEMPTS,
  MAX_EVENTS_PER_REQUEST,
  openReceiver,
  type PostOutcome,
  postCallback,
  type Receiver,
  readEndpoints,
} from "./deliver";

export interface CallbackDeps extends DeliverOptions {
  db: Db;
  encryptionKey: string;
  log: Logger;
}

/** Requests in flight to one receiver that takes one event per POST. */
export const SINGLE_EVENT_LANES = 4;

type Outcome = PostOutcome | { kind: "dropped" };

const isCallbackJob = (body: unknown): body is CallbackJob => {
  const job = body as Partial<CallbackJob> | null;
  return (
    typeof job === "object" &&
    job !== null &&
    job.kind === "callback" &&
    typeof job.projectId === "string" &&
    typeof job.event?.id === "string"
  );
};

/** Delivers the messages and acks or retries each one by its own receiver's answer. Never throws. */
export async function deliverCallbackMessages(messages: readonly Message<unknown>[], deps: CallbackDeps) {
  const byProject = new Map<string, Message<CallbackJob>[]>();
  for (const message of messages) {
    if (!isCallbackJob(message.body)) {
      // Written by another version, or not a callback at all: retried into the dead-letter queue,
      // where an operator sees it whole, rather than dropped.
      deps.log.error("not a status callback; will retry", { messageId: message.id, attempts: message.attempts });
      message.retry({ delaySeconds: backoffSeconds(message.attempts) });
      continue;
    }
    const list = byProject.get(message.body.projectId) ?? [];
    list.push(message as Message<CallbackJob>);
    byProject.set(message.body.projectId, list);
  }
  if (byProject.size === 0) return;

  let endpoints: Map<string, EndpointRow>;
  try {
    endpoints = await readEndpoints(deps.db, [...byProject.keys()]);
  } catch (err) {
    deps.log.error("callback endpoints could not be read; will retry", { err });
    for (const list of byProject.values()) {
      for (const message of list) message.retry({ delaySeconds: callbackBackoffSeconds(message.attempts) });
    }
    return;
  }
  await Promise.all(
    [...byProject].map(async ([projectId, list]) => {
      let outcomes: Map<Message<CallbackJob>, Outcome>;
      try {
        outcomes = await deliverToProject(projectId, list, endpoints.get(projectId), deps);
      } catch (err) {
        deps.log.error("callback delivery crashed", { projectId, err });
        const crashed: Outcome = { kind: "failed", reason: "delivery crashed", status: null };
        outcomes = new Map(list.map((message) => [message, crashed]));
      }
      await settle(projectId, outcomes, deps);
    }),
  );
}

/** The `jobs` consumer's part for kind "callback": a body an earlier version queued there. */
export const handleCallbackMessage = (message: Message<CallbackJob>, deps: CallbackDeps) =>
  deliverCallbackMessages([message], deps);

async function deliverToProject(
  projectId: string,
  list: Message<CallbackJob>[],
  row: EndpointRow | undefined,
  deps: CallbackDeps,
): Promise<Map<Message<CallbackJob>, Outcome>> {
  const lookup = await openReceiver(deps.encryptionKey, row);
  if (lookup.kind !== "ready") {
    if (lookup.kind === "no-endpoint") {
      deps.log.info("callbacks dropped: the project has no callback endpoint", { projectId, count: list.length });
    } else {
      deps.log.warn("callbacks dropped: the callback URL is not allowed", {
        projectId,
        count: list.length,
        reason: lookup.reason,
      });
    }
    return new Map(list.map((message) => [message, { kind: "dropped" }]));
  }
  // The outbox may queue a page twice: an event that is in the batch twice is sent once.
  const byEvent = new Map<string, { event: CallbackEvent; messages: Message<CallbackJob>[] }>();
  for (const message of list) {
    const entry = byEvent.get(message.body.event.id) ?? { event: message.body.event, messages: [] };
    entry.messages.push(message);
    byEvent.set(message.body.event.id, entry);
  }
  const entries = [...byEvent.values()];
  const perRequest = lookup.receiver.format === "batch" ? MAX_EVENTS_PER_REQUEST : 1;
  const chunks: (typeof entries)[] = [];
  for (let i = 0; i < entries.length; i += perRequest) chunks.push(entries.slice(i, i + perRequest));
  const results = await postChunks(
    lookup.receiver,
    chunks.map((chunk) => chunk.map((e) => e.event)),
    deps,
  );
  const outcomes = new Map<Message<CallbackJob>, Outcome>();
  chunks.forEach((chunk, i) => {
    for (const entry of chunk) for (const message of entry.messages) outcomes.set(message, results[i] as Outcome);
  });
  return outcomes;
}

/**
 * POSTs the chunks a few at a time. After the first failure nothing more is tried in this batch:
 * a receiver that is down or hanging would only make every other chunk wait out the time limit.
 */
async function postChunks(receiver: Receiver, chunks: CallbackEvent[][], options: DeliverOptions) {
  const results: PostOutcome[] = new Array(chunks.length);
  let failure: Extract<PostOutcome, { kind: "failed" }> | null = null;
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < chunks.length; i = next++) {
      const result: PostOutcome = failure
        ? { kind: "failed", reason: `not sent after ${failure.reason}`, status: null }
        : await postCallback(receiver, chunks[i] as CallbackEvent[], options);
      results[i] = result;
      if (result.kind === "failed") failure ??= result;
    }
  };
  const lanes = receiver.format === "batch" ? 1 : SINGLE_EVENT_LANES;
  await Promise.all(Array.from({ length: Math.min(lanes, chunks.length) }, lane));
  return results;
}

/**
 * Acks what was delivered and retries what failed; a callback that failed its last attempt is kept
 * as a dead letter of the callbacks queue, with the receiver's last answer as its reason, where an
 * operator sees it and replays it once the receiver is fixed (`GET /v1/admin/dead-letters`).
 */
async function settle(projectId: string, outcomes: Map<Message<CallbackJob>, Outcome>, deps: CallbackDeps) {
  const { log } = deps;
  let retried = 0;
  let last: Extract<PostOutcome, { kind: "failed" }> | null = null;
  const givenUp: { message: Message<CallbackJob>; reason: string }[] = [];
  for (const [message, outcome] of outcomes) {
    if (outcome.kind !== "failed") {
      message.ack();
      continue;
    }
    if (message.attempts >= MAX_CALLBACK_ATTEMPTS) {
      log.error("callback given up", {
        projectId,
        eventId: message.body.event.id,
        attempts: message.attempts,
        reason: outcome.reason,
        status: outcome.status,
      });
      givenUp.push({ message, reason: `callback given up after ${message.attempts} attempts: ${outcome.reason}` });
      continue;
    }
    retried++;
    last = outcome;
    message.retry({ delaySeconds: callbackBackoffSeconds(message.attempts) });
  }
  if (last) {
    log.info("callbacks failed; will retry", { projectId, count: retried, reason: last.reason, status: last.status });
  }
  if (givenUp.length === 0) return;
  try {
    await recordDeadLetters(
      deps.db,
      "callbacks",
      givenUp.map(({ message, reason }) => ({
        id: message.id,
        body: message.body,
        attempts: message.attempts,
        reason,
      })),
    );
    for (const { message } of givenUp) message.ack();
  } catch (err) {
    // Not recorded: delivered again later (and into the queue's own dead-letter queue at the end).
    log.error("given-up callbacks could not be recorded; will retry", { projectId, err });
    for (const { message } of givenUp) message.retry({ delaySeconds: callbackBackoffSeconds(message.attempts) });
  }
}
