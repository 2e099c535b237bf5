/** One offending input, as the API names it. */
export interface ChatFieldError {
  /** Dotted path, e.g. `buttons.0.text` or `contacts.3.number`. */
  field: string;
  in: "body" | "query" | "path" | "header";
  message: string;
}

/**
 * The API's codes (`validation_failed`, `unauthorized`, `forbidden`, `not_found`, `conflict`, …),
 * plus the client's own: `network_error` (no answer), `timeout`, `http_error` (an answer that is
 * not the API's error envelope, e.g. a proxy's page) and `invalid_response` (a success that is
 * not the promised JSON).
 */
export type ChatErrorCode =
  | "network_error"
  | "timeout"
  | "http_error"
  | "invalid_response"
  | "validation_failed"
  | "bad_request"
  | "malformed_json"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "method_not_allowed"
  | "conflict"
  | "payload_too_large"
  | "unsupported_media_type"
  | (string & {});

interface ErrorInit {
  status: number;
  code: ChatErrorCode;
  message: string;
  fields?: ChatFieldError[];
  requestId?: string | null;
  cause?: unknown;
}

/** Every rejection of the client. `status` is 0 when no HTTP answer came (network, timeout). */
export class ChatApiError extends Error {
  override readonly name = "ChatApiError";
  readonly status: number;
  readonly code: ChatErrorCode;
  readonly fields: ChatFieldError[];
  /** The `X-Request-Id` of the answer, to quote when asking the operator; null without one. */
  readonly requestId: string | null;

  constructor(init: ErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.fields = init.fields ?? [];
    this.requestId = init.requestId ?? null;
  }

  toJSON() {
    return {
      name: this.name,
      status: this.status,
      code: this.code,
      message: this.message,
      fields: this.fields,
      requestId: this.requestId,
    };
  }
}

const isFieldError = (value: unknown): value is ChatFieldError =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as ChatFieldError).field === "string" &&
  typeof (value as ChatFieldError).message === "string";

/** The error of a non-2xx answer: the API's envelope when it is one, else a generic `http_error`. */
export function errorFromResponse(status: number, text: string, requestId: string | null): ChatApiError {
  let envelope: unknown;
  try {
    envelope = JSON.parse(text);
  } catch {
    envelope = undefined;
  }
  const error = (envelope as { error?: unknown } | undefined)?.error;
  if (typeof error === "object" && error !== null) {
    const { code, message, fields } = error as { code?: unknown; message?: unknown; fields?: unknown };
    if (typeof code === "string" && typeof message === "string") {
      const bodyRequestId = (envelope as { requestId?: unknown }).requestId;
      return new ChatApiError({
        status,
        code,
        message,
        fields: Array.isArray(fields) ? fields.filter(isFieldError) : [],
        requestId: requestId ?? (typeof bodyRequestId === "string" ? bodyRequestId : null),
      });
    }
  }
  // Not ours (a proxy, a load balancer): a short excerpt is enough to recognise it.
  const excerpt = text.trim().slice(0, 200);
  return new ChatApiError({
    status,
    code: "http_error",
    message: `HTTP ${status}${excerpt ? `: ${excerpt}` : ""}`,
    requestId,
  });
}
