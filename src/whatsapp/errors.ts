import type { ErrorClass, ProviderError } from "./provider";

// How the product reacts to each of Meta's error codes. Meta asks integrators to branch on
// `error.code` (and `error_data.details`), never on the HTTP status or the title, so the status
// only decides for codes this table does not know.

/** Try again later: throughput, rate limits, maintenance and Meta's own temporary failures. */
export const RETRYABLE_CODES: ReadonlySet<number> = new Set([
  130429, // Cloud API throughput reached
  131056, // too many messages to the same recipient (pair rate limit)
  80007, // WhatsApp Business Account rate limit
  4, // application request limit
  131057, // business account in maintenance mode
  1, // unknown API error
  2, // API service temporarily unavailable
  131000, // something went wrong
  131016, // service unavailable
  133004, // server temporarily unavailable
]);

/** This message will never go through as it is. */
export const PERMANENT_CODES: ReadonlySet<number> = new Set([
  131026, // message undeliverable: not on WhatsApp, old client, or terms not accepted
  131050, // the user stopped marketing messages from this business
  131047, // re-engagement message: more than 24 hours since the user last replied
  132000, // number of template parameters does not match
  132001, // template does not exist (in that language) or is not approved
  132012, // parameter format does not match the template's
  132015, // template paused for low quality
  132016, // template disabled for low quality
  131049, // per-user marketing limit ("healthy ecosystem engagement")
  130472, // the user's number is part of Meta's marketing experiment
  131062, // this message cannot go to a business-scoped user id (e.g. an authentication template)
]);

/**
 * A send refused because its template is paused or disabled: nothing of the template goes through
 * until Meta reinstates it, so the message waits and the template's campaigns and runs are held.
 * Only a send's answer: the same codes on a status webhook fail a message Meta had accepted.
 */
export const TEMPLATE_HOLD_CODES: ReadonlySet<number> = new Set([132015, 132016]);

/** Nothing goes through for this number until a person fixes the account: pause, don't fail. */
export const ACCOUNT_CODES: ReadonlySet<number> = new Set([
  190, // access token expired or invalid
  368, // temporarily blocked for policy violations
  131031, // business account restricted or locked
  131042, // payment problem on the business account
  131048, // spam rate limit: too many previous messages blocked or flagged
]);

export const NOT_ON_WHATSAPP_CODE = 131026;
export const MARKETING_LIMIT_CODE = 131049;
/** Meta held a marketing message from a user in its experiment: never a delivery problem of ours, never retried. */
export const MARKETING_EXPERIMENT_CODE = 130472;
/** 131049 is per user and per day: Meta suggests trying that user again no sooner than a day later. */
export const MARKETING_LIMIT_RETRY_SECONDS = 86_400;

interface MetaErrorObject {
  message?: unknown;
  type?: unknown;
  code?: unknown;
  title?: unknown;
  error_subcode?: unknown;
  error_data?: unknown;
  fbtrace_id?: unknown;
}

const text = (value: unknown): string | undefined =>
  typeof value === "string" && value.trim() !== "" ? value : undefined;

function metaError(body: unknown): MetaErrorObject | null {
  if (typeof body !== "object" || body === null) return null;
  const error = (body as { error?: unknown }).error;
  return typeof error === "object" && error !== null ? (error as MetaErrorObject) : null;
}

function numericCode(value: unknown): number | null {
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "string" && /^\d+$/.test(value)) return Number(value);
  return null;
}

/**
 * Seconds to wait from a `Retry-After` header: delta-seconds or an HTTP date. Anything else,
 * or a date in the past, is ignored.
 */
export function parseRetryAfter(header: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value);
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  const seconds = Math.ceil((at - now) / 1000);
  return seconds > 0 ? seconds : undefined;
}

function classOf(code: number | null, httpStatus: number | null): ErrorClass {
  if (code !== null) {
    if (ACCOUNT_CODES.has(code)) return "account";
    if (PERMANENT_CODES.has(code)) return "permanent";
    if (RETRYABLE_CODES.has(code)) return "retryable";
  }
  // A code this table doesn't know: the HTTP status decides.
  if (httpStatus === null) return "unknown";
  if (httpStatus >= 500) return code === null ? "unknown" : "retryable";
  if (httpStatus === 429 || httpStatus === 408) return "retryable";
  if (httpStatus >= 400) return "permanent";
  // A success status with an error body Meta never documents: it may have taken the request.
  return "unknown";
}

/**
 * The class of a failure Meta reports in a status webhook (the message was accepted, then not
 * delivered). There is no HTTP status to fall back on, so a code this table does not know counts
 * as permanent: a run's retry never re-sends on a guess.
 */
export const classOfStatusError = (code: number | null): ErrorClass =>
  code === null ? "permanent" : classOf(code, 400);

/**
 * Turns a Graph API error response into a `ProviderError`. `body` is the parsed JSON (anything,
 * including undefined when the body was not JSON); `retryAfter` is the response's `Retry-After`.
 */
export function classifyMetaError(httpStatus: number | null, body: unknown, retryAfter?: string | null): ProviderError {
  const error = metaError(body);
  const code = numericCode(error?.code);
  const errorData = error?.error_data;
  const details =
    typeof errorData === "object" && errorData !== null
      ? text((errorData as { details?: unknown }).details)
      : text(errorData);
  const status = httpStatus === null ? "no response" : `HTTP ${httpStatus}`;
  const title = details ?? text(error?.title) ?? text(error?.type) ?? `Graph API error (${status})`;
  const message = text(error?.message) ?? details ?? `The Graph API answered ${status} without an error body`;

  const result: ProviderError = {
    class: code !== null && TEMPLATE_HOLD_CODES.has(code) ? "template" : classOf(code, httpStatus),
    code,
    title,
    message,
    httpStatus,
  };
  const wait = parseRetryAfter(retryAfter);
  if (code === MARKETING_LIMIT_CODE) result.retryAfterSeconds = wait ?? MARKETING_LIMIT_RETRY_SECONDS;
  else if (result.class === "retryable" && wait !== undefined) result.retryAfterSeconds = wait;
  if (code === NOT_ON_WHATSAPP_CODE) result.notOnWhatsApp = true;
  return result;
}

/**
 * The request never got an answer: DNS, connection reset, TLS… Meta may or may not have seen it,
 * and fetch does not say whether the request left: the outcome is unknown.
 */
export function networkError(cause: unknown): ProviderError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return {
    class: "unknown",
    code: null,
    title: "Network error",
    message: `could not reach the Graph API: ${detail}`,
    httpStatus: null,
  };
}

/** No answer within the time limit: the request may have reached Meta. */
export function timeoutError(timeoutMs: number): ProviderError {
  return {
    class: "unknown",
    code: null,
    title: "Timeout",
    message: `the Graph API did not answer within ${timeoutMs} ms`,
    httpStatus: null,
  };
}

/** Whether a rejection from fetch is the time limit firing (AbortSignal.timeout → TimeoutError). */
export function isTimeout(cause: unknown): boolean {
  const name = (cause as { name?: unknown } | null)?.name;
  return name === "TimeoutError" || name === "AbortError";
}

/**
 * A 2xx whose body is not what Meta documents (no wamid, not JSON, cut short): Meta took the
 * request, and may have sent the message.
 */
export function unexpectedResponse(httpStatus: number, what: string): ProviderError {
  return {
    class: "unknown",
    code: null,
    title: "Unexpected response",
    message: `the Graph API answered ${httpStatus} without ${what}`,
    httpStatus,
  };
}
