// Meta's error bodies for the codes the stand-in produces or may be asked to inject.
import { json, randomToken } from "./http.ts";

/** What Meta says for each code the stand-in produces or may be asked to inject. */
export const KNOWN_ERRORS: Record<number, { title: string; httpStatus: number; type?: string }> = {
  1: { title: "An unknown error occurred", httpStatus: 500 },
  2: { title: "Service temporarily unavailable", httpStatus: 503 },
  4: { title: "Application request limit reached", httpStatus: 400 },
  100: { title: "Invalid parameter", httpStatus: 400 },
  190: { title: "Invalid OAuth access token - Cannot parse access token", httpStatus: 401 },
  368: { title: "Temporarily blocked for policies violations", httpStatus: 400 },
  80007: { title: "Rate limit issues", httpStatus: 400 },
  130429: { title: "Rate limit hit", httpStatus: 400 },
  131000: { title: "Something went wrong", httpStatus: 500 },
  131008: { title: "Required parameter is missing", httpStatus: 400 },
  131016: { title: "Service unavailable", httpStatus: 503 },
  131026: { title: "Message undeliverable", httpStatus: 400 },
  131031: { title: "Business Account locked", httpStatus: 400 },
  131042: { title: "Business eligibility payment issue", httpStatus: 400 },
  131047: { title: "Re-engagement message", httpStatus: 400 },
  131048: { title: "Spam rate limit hit", httpStatus: 400 },
  131049: {
    title: "This message was not delivered to maintain healthy ecosystem engagement",
    httpStatus: 400,
  },
  131050: { title: "User has stopped marketing messages", httpStatus: 400 },
  131053: { title: "Media upload error", httpStatus: 400 },
  131056: { title: "(Business Account, Consumer Account) pair rate limit hit", httpStatus: 400 },
  131057: { title: "Account in maintenance mode", httpStatus: 503 },
  132000: { title: "Number of parameters does not match the expected number of params", httpStatus: 400 },
  132001: { title: "Template name does not exist in the translation", httpStatus: 404 },
  132012: { title: "Parameter format does not match format in the created template", httpStatus: 400 },
  132015: { title: "Template is Paused", httpStatus: 400 },
  132016: { title: "Template is Disabled", httpStatus: 400 },
  133004: { title: "Server temporarily unavailable", httpStatus: 503 },
};

const fbtraceId = () => randomToken(9);

interface GraphErrorOptions {
  message?: string;
  details?: string;
  subcode?: number;
  httpStatus?: number;
  retryAfter?: number;
  type?: string;
}

/** `{error: {message, type, code, error_subcode?, error_data?, fbtrace_id}}`, as Meta answers. */
export function graphError(code: number, options: GraphErrorOptions = {}): Response {
  const known = KNOWN_ERRORS[code];
  const title = known?.title ?? "Error";
  const message = options.message ?? `(#${code}) ${title}`;
  const error: Record<string, unknown> = { message, type: options.type ?? known?.type ?? "OAuthException", code };
  if (options.subcode !== undefined) error.error_subcode = options.subcode;
  // WhatsApp errors carry error_data; Graph's generic auth errors don't.
  if (code !== 190 && code !== 100 && code !== 2500) {
    error.error_data = { messaging_product: "whatsapp", details: options.details ?? title };
  } else if (options.details !== undefined) {
    error.error_data = { messaging_product: "whatsapp", details: options.details };
  }
  error.fbtrace_id = fbtraceId();
  const headers: Record<string, string> = {};
  if (options.retryAfter !== undefined) headers["retry-after"] = String(options.retryAfter);
  return json({ error }, options.httpStatus ?? known?.httpStatus ?? 400, headers);
}

export const invalidParameter = (details: string, message = "(#100) Invalid parameter") =>
  graphError(100, { message, details });

export function unknownObject(id: string, method: string) {
  return graphError(100, {
    message: `Unsupported ${method.toLowerCase()} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
    subcode: 33,
  });
}

export const unauthorized = () =>
  graphError(190, { message: "Invalid OAuth access token - Cannot parse access token", httpStatus: 401 });
