import type { BatchItem } from "drizzle-orm/batch";
import { sha256Hex } from "../../platform/crypto";
import type { Db } from "../../platform/db/client";
import type { Transition } from "../../platform/db/schema";
import { messages } from "../../platform/db/schema";
import type { QueueRequest } from "../../platform/queue-batches";
import type { SendJob } from "../../queues/contracts";
import type { TextMessage } from "../../whatsapp/provider";
import { logMoves, type Move, newTx } from "../messages/log";
import { historyIfChanged } from "../messages/status";
import { EVENT_STEP } from "../messages/trail";
import { type JourneyRow, stepsOf } from "./schemas";

// A journey button's press answered: the journey's messages become queued message rows and jobs on
// the ordinary sends queue, so pacing, retries, statuses and callbacks work as for any message.

/**
 * Seconds between a journey's messages. Queues do not keep order, so each step is made visible
 * this long after the one before: longer than the sends queue's batching window (1 s), so steps
 * normally go out in separate batches, in order, and well inside Meta's pair-rate burst allowance
 * (a few messages in quick succession to one person) for a 10-message journey.
 */
export const JOURNEY_STEP_SECONDS = 2;

/** Where a journey reply came from; kept in the message's payload and shown in its history. */
export interface JourneyOrigin {
  id: string;
  /** 1-based position of this message in the journey, and the journey's length. */
  step: number;
  steps: number;
  campaignId: string;
  /** The pressed button's index in the campaign's buttons. */
  button: number;
}

/** A message row's payload for a journey reply: the text message, and which journey sent it. */
export type JourneyReplyPayload = TextMessage & { journey: JourneyOrigin };

export interface JourneyPress {
  projectId: string;
  /** The presser, E.164. */
  number: string;
  /** The press's own wamid: the same press always yields the same message ids. */
  wamid: string;
  pressedAt: number;
  campaignId: string;
  button: number;
}

/**
 * The id of one step's message. Derived from the press rather than random, so that answering the
 * same press again (a retried webhook event) inserts nothing twice. It starts with the press time
 * and then the step, like every message id starts with its time: ordering by id is sending order.
 */
export async function journeyMessageId(press: Pick<JourneyPress, "projectId" | "wamid" | "pressedAt">, step: number) {
  const hash = await sha256Hex(`${press.projectId}:${press.wamid}:${step}`);
  const time = Math.max(0, Math.floor(press.pressedAt)).toString(16).padStart(12, "0").slice(-12);
  return `msg_${time}${step.toString(16).padStart(2, "0")}${hash.slice(0, 10)}`;
}

export interface JourneyReplies {
  /** Queued message rows with their history, for one D1 batch. */
  statements: BatchItem<"sqlite">[];
  /** What to put on the sends queue once the batch is written, each step later than the last. */
  jobs: QueueRequest<SendJob>[];
  /**
   * The rows' `null → queued` transitions, each with the index of its insert in `statements`: it
   * happened only if that insert returned a row (answering a press again inserts nothing).
   */
  transitions: { statement: number; transition: Transition }[];
}

/** The queued messages and send jobs answering one press with a journey. */
export async function journeyReplies(db: Db, press: JourneyPress, journey: JourneyRow): Promise<JourneyReplies> {
  const steps = stepsOf(journey);
  const now = Date.now();
  const tx = newTx();
  const out: JourneyReplies = { statements: [], jobs: [], transitions: [] };
  for (const [i, step] of steps.entries()) {
    const id = await journeyMessageId(press, i);
    const origin: JourneyOrigin = {
      id: journey.id,
      step: i + 1,
      steps: steps.length,
      campaignId: press.campaignId,
      button: press.button,
    };
    const payload: JourneyReplyPayload = { type: "text", to: press.number, text: step.text, journey: origin };
    // No campaign or run on the row: a journey reply is not one of the campaign's broadcast
    // messages, and counting it there would change the run's Sent/Delivered/Read.
    out.transitions.push({
      statement: out.statements.length,
      transition: {
        messageId: id,
        projectId: press.projectId,
        campaignId: null,
        runId: null,
        from: null,
        to: "queued",
      },
    });
    out.statements.push(
      db
        .insert(messages)
        .values({
          id,
          projectId: press.projectId,
          number: press.number,
          templateId: null,
          campaignId: null,
          runId: null,
          payload,
          status: "queued",
          createdAt: now,
          updatedAt: now,
          // Its queued step carries where it came from: a history row (`e`).
          trail: EVENT_STEP,
          tx,
        })
        .onConflictDoNothing()
        .returning({ id: messages.id }),
      historyIfChanged(
        db,
        id,
        "queued",
        now,
        null,
        `journey ${journey.id} message ${i + 1}/${steps.length}, pressed on campaign ${press.campaignId} button ${press.button}`,
      ),
    );
    // Enqueued whether or not the row is new: a retry after a failed enqueue must still send it,
    // and a duplicate job is harmless (the send claims queued rows only).
    out.jobs.push({
      body: { kind: "send", projectId: press.projectId, messageId: id },
      delaySeconds: i * JOURNEY_STEP_SECONDS,
    });
  }
  const moves = out.transitions.map(({ transition }): Move => [transition.messageId, null, "queued"]);
  if (moves.length > 0) out.statements.push(logMoves(db, tx, moves));
  return out;
}
