/**
 * Status callbacks: delivery and signing.
 *
 * Every real status transition of a message in a project with a callback URL
 * (`PUT /v1/callback`) is POSTed to that URL as JSON:
 *
 * ```json
 * {
 *   "id": "msg_0197a3c2e4f1a1b2c3d4e5f6:delivered",
 *   "event": "message.status",
 *   "projectId": "prj_…",
 *   "messageId": "msg_0197a3c2e4f1a1b2c3d4e5f6",
 *   "campaignId": "cmp_…",
 *   "runId": null,
 *   "status": "delivered",
 *   "previousStatus": "sent",
 *   "error": null,
 *   "at": "2026-05-01T10:00:00.000Z"
 * }
 * ```
 *
 * `status` is one of queued, sending, sent, delivered, read, failed, skipped; `previousStatus` is
 * null when the message was just recorded; `error` is `{ code, title, message }` (Meta's) for a
 * failure, else null. `campaignId` and `runId` may be null. `at` is when the transition was recorded
 * and queued for callback (not the provider's own timestamp).
 *
 * Headers:
 *
 * | Header                 | Value                                                                  |
 * | ---------------------- | ---------------------------------------------------------------------- |
 * | `Content-Type`         | `application/json`                                                     |
 * | `X-Campaign-Event-Id`  | the event's `id`: `<messageId>:<status>`, the same on every retry      |
 * | `X-Campaign-Timestamp` | when this attempt was signed, Unix seconds                             |
 * | `X-Campaign-Signature` | `sha256=<hex>`: HMAC-SHA256 of `<timestamp>.<raw body>`, keyed with    |
 * |                        | the endpoint's secret (the whole `whsec_…` string, as UTF-8 bytes)     |
 *
 * Delivery: a 2xx answer within 10 seconds counts as delivered. Anything else — another status, a
 * redirect (redirects are never followed), a timeout, a network error — is retried with
 * exponential backoff and jitter, up to 8 attempts in all. Deliveries are at least once and may
 * arrive out of order: deduplicate on the event id, and order by the status (queued → sending →
 * sent → delivered → read; failed and skipped are final) rather than by arrival. Each attempt is
 * signed anew (new timestamp, same body). The URL is checked against the same rules as when it
 * was set at every attempt, and an endpoint deleted meanwhile receives nothing more.
 *
 * Verifying a callback: compute the HMAC over the raw body bytes exactly as received (before any
 * JSON parsing), compare in constant time, and refuse timestamps more than 5 minutes away from
 * your clock, so a captured request cannot be replayed later.
 *
 * Node.js (18+):
 *
 * ```js
 * import { createHmac, timingSafeEqual } from "node:crypto";
 *
 * // rawBody: the request body as received (Buffer or string); headers: lower-cased names.
 * export function verifyCallback(rawBody, headers, secret, toleranceSeconds = 300) {
 *   const timestamp = headers["x-campaign-timestamp"] ?? "";
 *   const signature = headers["x-campaign-signature"] ?? "";
 *   if (!/^\d+$/.test(timestamp)) return false;
 *   if (Math.abs(Date.now() / 1000 - Number(timestamp)) > toleranceSeconds) return false;
 *   const expected =
 *     "sha256=" + createHmac("sha256", secret).update(`${timestamp}.`).update(rawBody).digest("hex");
 *   const a = Buffer.from(expected);
 *   const b = Buffer.from(signature);
 *   return a.length === b.length && timingSafeEqual(a, b);
 * }
 * ```
 *
 * Python 3 (`headers`: a case-insensitive mapping, such as Flask's or Django's `request.headers`):
 *
 * ```python
 * import hashlib, hmac, time
 *
 * def verify_callback(raw_body: bytes, headers, secret: str, tolerance_seconds: int = 300) -> bool:
 *     timestamp = headers.get("X-Campaign-Timestamp", "")
 *     signature = headers.get("X-Campaign-Signature", "")
 *     if not (timestamp.isascii() and timestamp.isdigit()):
 *         return False
 *     if abs(time.time() - int(timestamp)) > tolerance_seconds:
 *         return False
 *     mac = hmac.new(secret.encode(), timestamp.encode() + b"." + raw_body, hashlib.sha256)
 *     return hmac.compare_digest("sha256=" + mac.hexdigest(), signature)
 * ```
 *
 * Answer 2xx quickly (queue your own work); a slow receiver is retried as a failed one.
 */

import { eq } from "drizzle-orm";
import { toHex } from "../../platform/crypto";
import type { Db } from "../../platform/db/client";
import { callbackEndpoints } from "../../platform/db/schema";
import type { Logger } from "../../platform/log";
import { unseal } from "../../platform/sealed-secrets";
import { withTimeLimit } from "../../platform/time-limit";
import { callbackBackoffSeconds } from "../../queues/backoff";
import type { CallbackJob } from "../../queues/contracts";
import { callbackSecretContext, checkCallbackUrl } from "./endpoint";

export const CALLBACK_TIMEOUT_MS = 10_000;
/** Attempts in all, the first included; after the last failure the event is dropped (and logged). */
export const MAX_CALLBACK_ATTEMPTS = 8;

export const SIGNATURE_HEADER = "X-Campaign-Signature";
export const TIMESTAMP_HEADER = "X-Campaign-Timestamp";
export const EVENT_ID_HEADER = "X-Campaign-Event-Id";

const encoder = new TextEncoder();

/** `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the secret's UTF-8 bytes>`. */
export async function signCallback(secret: string, timestamp: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`${timestamp}.${body}`));
  return `sha256=${toHex(mac)}`;
}

export type DeliveryOutcome =
  /** The receiver answered 2xx. */
  | { kind: "delivered"; status: number }
  /** The project has no endpoint (any more): nothing was sent. */
  | { kind: "no-endpoint" }
  /** The stored URL is not allowed by the URL rules (any more): nothing was sent. */
  | { kind: "refused"; reason: string }
  /** Sent, but not accepted: worth retrying. */
  | { kind: "failed"; reason: string; status: number | null };

export interface DeliverOptions {
  /** Used for the request; defaults to the runtime's fetch. */
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** The clock the timestamp is read from. */
  now?: () => number;
}

/** Sends one event to its project's endpoint, as it is in D1 now, signed with its secret. */
export async function deliverCallback(
  db: Db,
  encryptionKey: string,
  job: CallbackJob,
  options: DeliverOptions = {},
): Promise<DeliveryOutcome> {
  const endpoint = await db
    .select({ url: callbackEndpoints.url, secretEnc: callbackEndpoints.secretEnc })
    .from(callbackEndpoints)
    .where(eq(callbackEndpoints.projectId, job.projectId))
    .get();
  if (!endpoint) return { kind: "no-endpoint" };
  const checked = checkCallbackUrl(endpoint.url);
  if (!checked.ok) return { kind: "refused", reason: checked.reason };

  const secret = await unseal(encryptionKey, endpoint.secretEnc, callbackSecretContext(job.projectId));
  const body = JSON.stringify(job.event);
  const timestamp = Math.floor((options.now ?? Date.now)() / 1000);
  const fetcher = options.fetch ?? fetch;
  let response: Response;
  const headers = {
    "Content-Type": "application/json",
    "User-Agent": "wa-campaigns-callbacks/1",
    [EVENT_ID_HEADER]: job.event.id,
    [TIMESTAMP_HEADER]: String(timestamp),
    [SIGNATURE_HEADER]: await signCallback(secret, timestamp, body),
  };
  try {
    response = await withTimeLimit(options.timeoutMs ?? CALLBACK_TIMEOUT_MS, (signal) =>
      fetcher(checked.url.href, { method: "POST", headers, body, redirect: "manual", signal }),
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

/**
 * The `jobs` consumer's part for kind "callback": delivers, then acks, retries with backoff, or —
 * after MAX_CALLBACK_ATTEMPTS — logs and drops the event. Never throws.
 */
export async function handleCallbackMessage(
  message: Message<CallbackJob>,
  deps: { db: Db; encryptionKey: string; log: Logger } & DeliverOptions,
): Promise<void> {
  const job = message.body;
  const fields = { projectId: job.projectId, eventId: job.event?.id, attempts: message.attempts };
  let outcome: DeliveryOutcome;
  try {
    outcome = await deliverCallback(deps.db, deps.encryptionKey, job, deps);
  } catch (err) {
    deps.log.error("callback delivery crashed", { ...fields, err });
    outcome = { kind: "failed", reason: "delivery crashed", status: null };
  }
  switch (outcome.kind) {
    case "delivered":
      message.ack();
      return;
    case "no-endpoint":
      deps.log.info("callback dropped: the project has no callback endpoint", fields);
      message.ack();
      return;
    case "refused":
      deps.log.warn("callback dropped: the callback URL is not allowed", { ...fields, reason: outcome.reason });
      message.ack();
      return;
    case "failed":
      if (message.attempts >= MAX_CALLBACK_ATTEMPTS) {
        deps.log.error("callback given up", { ...fields, reason: outcome.reason, status: outcome.status });
        message.ack();
        return;
      }
      deps.log.info("callback failed; will retry", { ...fields, reason: outcome.reason, status: outcome.status });
      message.retry({ delaySeconds: callbackBackoffSeconds(message.attempts) });
  }
}
