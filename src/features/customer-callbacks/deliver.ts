// Status callbacks: one signed POST to a project's endpoint, as the endpoint is in D1 now. What a
// receiver gets, and how it verifies it, is in docs/customer-callbacks.md.

import type { Db } from "../../platform/db/client";
import { inJsonList } from "../../platform/db/json-list";
import { callbackEndpoints } from "../../platform/db/schema";
import { unseal } from "../../platform/sealed-secrets";
import { withTimeLimit } from "../../platform/time-limit";
import type { CallbackEvent, CallbackJob } from "../../queues/contracts";
import { callbackSecretContext, checkCallbackUrl } from "./endpoint";
import { callbackSigner, EVENT_COUNT_HEADER, EVENT_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER } from "./sign";

export const CALLBACK_TIMEOUT_MS = 10_000;
/** Attempts in all, the first included; after the last failure the event is dropped (and logged). */
export const MAX_CALLBACK_ATTEMPTS = 8;
/** Events in one POST to an endpoint that takes batches: about 40 KB of JSON at most. */
export const MAX_EVENTS_PER_REQUEST = 100;

export type CallbackFormat = (typeof callbackEndpoints.$inferSelect)["format"];

export interface DeliverOptions {
  /** Used for the request; defaults to the runtime's fetch. */
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** The clock the timestamp is read from. */
  now?: () => number;
}

export type EndpointRow = Pick<typeof callbackEndpoints.$inferSelect, "projectId" | "url" | "secretEnc" | "format">;

/** The endpoints of these projects as D1 has them now, in one read whatever their number. */
export async function readEndpoints(db: Db, projectIds: readonly string[]): Promise<Map<string, EndpointRow>> {
  if (projectIds.length === 0) return new Map();
  const rows = await db
    .select({
      projectId: callbackEndpoints.projectId,
      url: callbackEndpoints.url,
      secretEnc: callbackEndpoints.secretEnc,
      format: callbackEndpoints.format,
    })
    .from(callbackEndpoints)
    .where(inJsonList(callbackEndpoints.projectId, projectIds));
  return new Map(rows.map((row) => [row.projectId, row]));
}

/** An endpoint ready to be POSTed to: its URL checked again, its secret opened. */
export interface Receiver {
  url: URL;
  format: CallbackFormat;
  sign: (timestamp: number, body: string) => Promise<string>;
}

export type ReceiverLookup =
  | { kind: "ready"; receiver: Receiver }
  /** The project has no endpoint (any more): nothing is sent. */
  | { kind: "no-endpoint" }
  /** The stored URL is not allowed by the URL rules (any more): nothing is sent. */
  | { kind: "refused"; reason: string };

export async function openReceiver(encryptionKey: string, row: EndpointRow | undefined): Promise<ReceiverLookup> {
  if (!row) return { kind: "no-endpoint" };
  const checked = checkCallbackUrl(row.url);
  if (!checked.ok) return { kind: "refused", reason: checked.reason };
  const secret = await unseal(encryptionKey, row.secretEnc, callbackSecretContext(row.projectId));
  return { kind: "ready", receiver: { url: checked.url, format: row.format, sign: await callbackSigner(secret) } };
}

/** The request body for these events in the endpoint's format ("single" takes exactly one). */
export function callbackBody(format: CallbackFormat, events: readonly CallbackEvent[]): string {
  return format === "batch" ? JSON.stringify({ events }) : JSON.stringify(events[0]);
}

export type PostOutcome =
  /** The receiver answered 2xx. */
  | { kind: "delivered"; status: number }
  /** Sent, but not accepted: worth retrying. */
  | { kind: "failed"; reason: string; status: number | null };

/** One POST of one or more events, signed at this attempt; never follows a redirect. */
export async function postCallback(
  receiver: Receiver,
  events: readonly CallbackEvent[],
  options: DeliverOptions = {},
): Promise<PostOutcome> {
  const body = callbackBody(receiver.format, events);
  const timestamp = Math.floor((options.now ?? Date.now)() / 1000);
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "User-Agent": "wa-campaigns-callbacks/1",
    [TIMESTAMP_HEADER]: String(timestamp),
    [SIGNATURE_HEADER]: await receiver.sign(timestamp, body),
  };
  if (receiver.format === "batch") headers[EVENT_COUNT_HEADER] = String(events.length);
  else headers[EVENT_ID_HEADER] = events[0]?.id ?? "";
  const fetcher = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await withTimeLimit(options.timeoutMs ?? CALLBACK_TIMEOUT_MS, (signal) =>
      fetcher(receiver.url.href, { method: "POST", headers, body, redirect: "manual", signal }),
    );
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    return {
      kind: "failed",
      reason: timedOut ? "no answer within the timeout" : "the request failed before an answer",
      status: null,
    };
  }
  try {
    // Unread, the answer's body would keep the connection, one of the few an invocation may hold.
    await response.body?.cancel();
  } catch {
    // The answer's body is not wanted.
  }
  if (response.status >= 200 && response.status < 300) return { kind: "delivered", status: response.status };
  const redirect = response.status >= 300 && response.status < 400;
  return {
    kind: "failed",
    reason: redirect ? `redirect (HTTP ${response.status}), not followed` : `HTTP ${response.status}`,
    status: response.status,
  };
}

export type DeliveryOutcome = PostOutcome | Exclude<ReceiverLookup, { kind: "ready" }>;

/** Sends one event to its project's endpoint, as it is in D1 now, signed with its secret. */
export async function deliverCallback(
  db: Db,
  encryptionKey: string,
  job: CallbackJob,
  options: DeliverOptions = {},
): Promise<DeliveryOutcome> {
  const row = (await readEndpoints(db, [job.projectId])).get(job.projectId);
  const lookup = await openReceiver(encryptionKey, row);
  if (lookup.kind !== "ready") return lookup;
  return postCallback(lookup.receiver, [job.event], options);
}
