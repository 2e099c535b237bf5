import type { messages } from "../platform/db/schema";
import type { TemplateCategory, TemplateMessage } from "../whatsapp/provider";
import type { WebhookEventMessage } from "../whatsapp/webhook/payload";

// What each queue carries, typed once. A body outlives the deploy that wrote it (retries wait up to
// 15 minutes, the dead-letter queues longer), so a change here must stay readable by the code on
// either side of a deploy: add optional fields, never rename or repurpose one. Every body names its
// `kind` and its project, and consumers re-read the rows a body points at, so a duplicate or late
// delivery finds the work done and does nothing.

// ---- sends ----------------------------------------------------------------------------------

/** A message row already stored as queued: send it (broadcast runs, journeys, requeues, the sweep). */
export interface SendJob {
  kind: "send";
  projectId: string;
  messageId: string;
  campaignId?: string;
  runId?: string;
}

/**
 * An accepted API-campaign request. Everything the request path decided is here, so the consumer
 * persists the contact and the message and sends without asking the CRM anything again.
 */
export interface ApiSendJob {
  kind: "api-send";
  projectId: string;
  messageId: string;
  campaignId: string;
  templateId: string;
  category: TemplateCategory;
  contact: {
    number: string;
    name: string;
    source?: string;
    tags?: string[];
    attributes?: Record<string, string>;
  };
  payload: TemplateMessage;
  /** Set when the request path already knew the message must not be sent. */
  skipReason?: "opted_out" | "us_marketing_paused";
  acceptedAt: number;
}

/** What the `sends` queue carries: a pointer to a queued message row, or an accepted API send. */
export type SendsBody = SendJob | ApiSendJob;

/**
 * Leave for one message of a run whose messages are in its own object (src/features/run-ledger):
 * the consumer claims the run's next message there. The number's governor puts one on the queue
 * for each message its pace allows; a claim that finds nothing left does nothing, and a repeated
 * delivery claims another message or none, never the same one twice.
 */
export interface ClaimJob {
  kind: "claim";
  projectId: string;
  campaignId: string;
  runId: string;
  /** The run's ref: its object's name. */
  runRef: string;
}

/** Everything the sends queue carries. */
export type SendsQueueBody = SendsBody | ClaimJob;

// ---- jobs -----------------------------------------------------------------------------------

type MessageStatus = (typeof messages.$inferSelect)["status"];

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

/**
 * One status callback for one project's endpoint. It travels on the `callbacks` queue; one on the
 * `jobs` queue was written by an earlier version and is delivered the same way.
 */
export interface CallbackJob {
  kind: "callback";
  projectId: string;
  event: CallbackEvent;
}

/** A scheduled or waiting run is due: check its template and begin fanning out. */
export interface RunStartJob {
  kind: "run-start";
  runId: string;
  projectId: string;
}

/** One page of a run's fan-out, from the cursor stored on the run row. */
export interface RunFanoutJob {
  kind: "run-fanout";
  runId: string;
  projectId: string;
}

/** Hands a resumed run back to its number's governor, which releases its queued messages again. */
export interface RunRequeueJob {
  kind: "run-requeue";
  runId: string;
  projectId: string;
  /** Unused since the governor feeds runs; still written ("") so older consumers can read the body. */
  after: string;
}

/** Marks a cancelled run's queued messages skipped (reason `cancelled`), a page per job. */
export interface RunCancelJob {
  kind: "run-cancel";
  runId: string;
  projectId: string;
}

export type RunJob = RunStartJob | RunFanoutJob | RunRequeueJob | RunCancelJob;

/** Import the next chunk of an upload. */
export interface ImportJob {
  kind: "import";
  importId: string;
  projectId: string;
  /**
   * The byte offset the chunk starts from (the import's `chunkOffset` when queued). A delivery
   * that finds the import past it — a redelivery, a late copy — does nothing. Absent from jobs
   * queued before it existed: those take the chunk under way.
   */
  offset?: number;
  /** Rows per chunk, when not the default (tests and benchmarks force several chunks). */
  chunkRows?: number;
}

/** Move a project's messages past its retention to the archive in R2, a bounded slice per job. */
export interface ArchiveJob {
  kind: "archive";
  projectId: string;
  /** Unix ms: archive runs finished, and API-campaign days ended, before it. Absent: now − retention. */
  before?: number;
}

/**
 * What the `jobs` queue carries: background work of several kinds, told apart by `kind`. No
 * callback is queued here any more; the kind stays for bodies queued before the callbacks queue.
 */
export type JobsBody = CallbackJob | RunJob | ImportJob | ArchiveJob | LinkClickJob;

/**
 * A click on a tracked link that could not be written as it was answered: written here instead,
 * with the queue's retries, so no click is lost to a moment of D1 trouble.
 */
export interface LinkClickJob {
  kind: "link-click";
  projectId: string;
  campaignId: string;
  runId: string;
  messageId: string;
  /** The button's index in the campaign's `buttons`. */
  button: number;
  /** When it was clicked (Unix ms). */
  at: number;
}

// ---- callbacks ------------------------------------------------------------------------------

/** What the `callbacks` queue carries: one event for one project's endpoint. */
export type CallbacksBody = CallbackJob;

// ---- events ---------------------------------------------------------------------------------

/**
 * What the `events` queue carries: one verified webhook payload tied to its project. Defined beside
 * Meta's payload schema because the sandbox provider, which sits below this module, plays webhooks
 * onto the queue too.
 */
export type EventsBody = WebhookEventMessage;
