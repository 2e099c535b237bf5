// Error injection: a test asks the stand-in to fail some of an account's requests with a Meta
// error code, always, for the next n requests, or every n-th one; or to take sends and break
// their answers (a time-out, a reset connection, a gateway's 504), so the sender cannot tell.
import { graphError } from "./errors.ts";
import { digits } from "./http.ts";
import type { AccountState, ActiveInjection, AnswerFault, ErrorInjection } from "./types.ts";

/** The injection that fails this request, if any; counts the request for every matching one. */
export function injected(
  state: AccountState,
  endpoint: "messages" | "marketing_messages" | "message_templates" | "phone_number" | "media",
  recipient?: string,
) {
  let hit: ActiveInjection | undefined;
  for (const injection of state.injections) {
    if (injection.endpoint && injection.endpoint !== endpoint) continue;
    if (injection.recipient && (recipient === undefined || digits(injection.recipient) !== recipient)) continue;
    injection.seen++;
    if (hit) continue;
    if (injection.mode === "always") hit = injection;
    else if (injection.mode === "next" && injection.remaining > 0) hit = injection;
    else if (injection.mode === "every" && injection.seen % (injection.count ?? 2) === 0) hit = injection;
  }
  if (hit?.mode === "next") {
    hit.remaining--;
    if (hit.remaining <= 0) state.injections = state.injections.filter((i) => i !== hit);
  }
  return hit;
}

/**
 * The answer to a send taken with an answer fault: what the caller receives instead of Meta's body.
 * The send itself is recorded as accepted and its webhooks queued before this is called.
 */
export async function brokenAnswer(
  fault: AnswerFault,
  holdMs: number | undefined,
  answer: Response,
): Promise<Response> {
  if (fault === "hang") {
    await new Promise((resolve) => setTimeout(resolve, holdMs ?? 30_000));
    return answer;
  }
  if (fault === "truncate") {
    const text = await answer.text();
    return new Response(text.slice(0, Math.floor(text.length / 2)), { status: answer.status, headers: answer.headers });
  }
  await answer.body?.cancel();
  return new Response("<html><body><h1>504 Gateway Time-out</h1></body></html>", {
    status: 504,
    headers: { "content-type": "text/html" },
  });
}

export function injectedResponse(injection: ActiveInjection): Response {
  return graphError(injection.code, {
    httpStatus: injection.httpStatus,
    retryAfter: injection.retryAfter,
    message: injection.message,
    details: injection.details,
  });
}

/**
 * The injection a control request asks for, or the reason it is refused. `nextId` is called only
 * for a valid request, so ids count the injections actually made.
 */
export function injectionFrom(
  body: Record<string, unknown>,
  phoneNumberId: string,
  nextId: () => number,
): ActiveInjection | string {
  const fault = body.fault;
  if (fault !== undefined && fault !== "hang" && fault !== "truncate" && fault !== "gateway") {
    return 'fault must be "hang", "truncate" or "gateway"';
  }
  if (body.holdMs !== undefined && (typeof body.holdMs !== "number" || body.holdMs < 0)) {
    return "holdMs must be a number of milliseconds";
  }
  const code = fault === undefined ? body.code : 0;
  const mode = body.mode;
  if (typeof code !== "number" || !Number.isInteger(code)) return "code must be an integer";
  if (mode !== "always" && mode !== "next" && mode !== "every") return 'mode must be "always", "next" or "every"';
  const count = body.count === undefined ? (mode === "every" ? 2 : 1) : body.count;
  if (typeof count !== "number" || !Number.isInteger(count) || count < 1) return "count must be a positive integer";
  const endpoints = ["messages", "marketing_messages", "message_templates", "phone_number", "media"];
  if (body.endpoint !== undefined && !endpoints.includes(body.endpoint as string)) {
    return 'endpoint must be "messages", "marketing_messages", "message_templates", "phone_number" or "media"';
  }
  if (body.delivery !== undefined && body.delivery !== "sync" && body.delivery !== "webhook") {
    return 'delivery must be "sync" or "webhook"';
  }
  return {
    id: nextId(),
    phoneNumberId,
    code,
    mode,
    count,
    seen: 0,
    remaining: mode === "next" ? count : 0,
    ...(typeof body.httpStatus === "number" ? { httpStatus: body.httpStatus } : {}),
    ...(typeof body.recipient === "string" ? { recipient: body.recipient } : {}),
    ...(typeof body.endpoint === "string" ? { endpoint: body.endpoint as ErrorInjection["endpoint"] } : {}),
    ...(typeof body.retryAfter === "number" ? { retryAfter: body.retryAfter } : {}),
    ...(typeof body.delivery === "string" ? { delivery: body.delivery as ErrorInjection["delivery"] } : {}),
    ...(typeof body.message === "string" ? { message: body.message } : {}),
    ...(typeof body.details === "string" ? { details: body.details } : {}),
    ...(fault === undefined ? {} : { fault }),
    ...(typeof body.holdMs === "number" ? { holdMs: body.holdMs } : {}),
  };
}
