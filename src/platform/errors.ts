import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ZodError } from "zod";
import { ConfigError } from "./config";

/** Every failure the API can report, with the HTTP status it maps to. */
export const ERROR_STATUS = {
  bad_request: 400,
  validation_failed: 400,
  malformed_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  not_configured: 409,
  over_messaging_limit: 409,
  payload_too_large: 413,
  unprocessable: 422,
  unsupported_media_type: 415,
  upgrade_required: 426,
  internal_error: 500,
  provider_error: 502,
  misconfigured: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface FieldError {
  /** Dotted path of the offending field, e.g. `attributes.city` or `tags.2`. */
  field: string;
  /** Where the field was read from. */
  in: "body" | "query" | "path" | "header";
  message: string;
}

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly fields?: FieldError[];
  readonly headers?: Record<string, string>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { fields?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.code = code;
    this.fields = options.fields;
    this.headers = options.headers;
  }

  get status() {
    return ERROR_STATUS[this.code];
  }
}

export const notFound = (what: string) => new ApiError("not_found", `${what} not found`);

export const malformedJson = () => new ApiError("malformed_json", "request body is not valid JSON");

/** The 400 naming every offending field; its message lists them all. */
export const invalidFields = (fields: FieldError[]) =>
  new ApiError("validation_failed", fields.map((f) => `${f.field}: ${f.message}`).join("; "), { fields });

export const fieldError = (field: string, message: string, where: FieldError["in"] = "body") =>
  invalidFields([{ field, in: where, message }]);

const TARGET_LOCATION: Record<string, FieldError["in"]> = {
  json: "body",
  form: "body",
  query: "query",
  param: "path",
  header: "header",
};

export function fromZodError(error: ZodError, target: string): ApiError {
  const where = TARGET_LOCATION[target] ?? "body";
  return invalidFields(
    error.issues.map((issue) => ({
      field: issue.path.length > 0 ? issue.path.join(".") : "(root)",
      in: where,
      message: issue.message,
    })),
  );
}

/** Turns anything thrown in a request into the one error envelope. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof HTTPException) {
    if (err.status === 413) return new ApiError("payload_too_large", "request body is too large");
    // The OpenAPI router's own media-type check; without this it would surface as a 400.
    if (err.status === 415)
      return new ApiError("unsupported_media_type", "send the body as JSON with `Content-Type: application/json`");
    if (err.message.startsWith("Malformed JSON")) return malformedJson();
    if (err.status === 401) return new ApiError("unauthorized", err.message || "unauthorized");
    return new ApiError("bad_request", err.message || "bad request");
  }
  // An operator deploying for the first time needs to know which setting is wrong; the message
  // names settings and rules, never their values.
  if (err instanceof ConfigError) return new ApiError("misconfigured", err.message);
  return new ApiError("internal_error", "internal error");
}

export function errorBodyOf(c: Context, err: ApiError) {
  const requestId = c.get("requestId") as string | undefined;
  return {
    error: {
      code: err.code,
      message: err.message,
      ...(err.fields ? { fields: err.fields } : {}),
    },
    requestId: requestId ?? null,
  };
}

export function errorResponse(c: Context, err: ApiError) {
  return c.json(errorBodyOf(c, err), err.status, err.headers);
}
