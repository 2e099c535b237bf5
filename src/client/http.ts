import { ChatApiError, errorFromResponse } from "./errors.js";
import type { TimeToRun } from "./types/index.js";

/** A path segment as the URL carries it. */
export const segment = (value: string) => encodeURIComponent(value);
/** A time as the JSON body carries it: a `Date` as its ISO string, anything else as it is. */
export const timeOf = (time: TimeToRun | null | undefined) => (time instanceof Date ? time.toISOString() : time);

/** The subset of `fetch` the client uses; any runtime's global fetch fits. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface Transport {
  baseUrl: string;
  fetch: FetchLike;
  timeoutMs: number;
  /** Added to every request unless the call opts out (the API-campaign send carries the key in its body). */
  authorization: string;
  /**
   * The newest database bookmark an answer carried. Sent with every GET, so a read made after a
   * write sees that write even when the API serves reads from a copy of the database near it.
   */
  bookmark?: string;
}

const BOOKMARK_HEADER = "x-d1-bookmark";

export interface Call {
  method: "GET" | "POST" | "DELETE";
  path: string;
  /** A `Date` is sent as its ISO string. */
  query?: Record<string, string | number | boolean | Date | undefined>;
  json?: unknown;
  form?: FormData;
  headers?: Record<string, string>;
  /** Leave out the Authorization header. */
  anonymous?: boolean;
  /** Resolve to the body as text (CSV) instead of parsed JSON. */
  text?: boolean;
}

export interface Answer<T> {
  body: T;
  headers: Headers;
}

class Timeout extends Error {}

/**
 * One request, its answer read in full, under one deadline. The deadline also covers a fetch that
 * ignores its AbortSignal: the race rejects either way.
 */
export async function send<T>(transport: Transport, call: Call): Promise<Answer<T>> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Timeout());
      controller.abort();
    }, transport.timeoutMs);
  });
  try {
    return await Promise.race([exchange<T>(transport, call, controller.signal), deadline]);
  } catch (err) {
    if (err instanceof ChatApiError) throw err;
    if (err instanceof Timeout || controller.signal.aborted) {
      throw new ChatApiError({
        status: 0,
        code: "timeout",
        message: `no answer from ${call.method} ${call.path} within ${transport.timeoutMs} ms`,
      });
    }
    const reason = err instanceof Error ? err.message : String(err);
    const message = `${call.method} ${call.path} failed: ${reason}`;
    const safe = redact(message, transport.authorization);
    // A cause that names the key would print it wherever the error is logged: leave it off.
    const leaks = safe !== message || (err instanceof Error && (err.stack ?? "").includes(transport.authorization));
    throw new ChatApiError({ status: 0, code: "network_error", message: safe, cause: leaks ? undefined : err });
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

async function exchange<T>(transport: Transport, call: Call, signal: AbortSignal): Promise<Answer<T>> {
  const headers: Record<string, string> = { accept: call.text ? "text/csv" : "application/json", ...call.headers };
  if (!call.anonymous) headers.authorization = transport.authorization;
  if (call.method === "GET" && transport.bookmark) headers[BOOKMARK_HEADER] = transport.bookmark;
  let body: BodyInit | undefined;
  if (call.form) body = call.form;
  else if (call.json !== undefined) {
    body = JSON.stringify(call.json);
    headers["content-type"] = "application/json";
  }

  const response = await transport.fetch(urlOf(transport.baseUrl, call), {
    method: call.method,
    headers,
    body,
    signal,
  });
  const text = await response.text();
  // Bookmarks sort oldest to newest; answers may arrive out of order, so keep the newest.
  const bookmark = response.headers.get(BOOKMARK_HEADER);
  if (bookmark && (!transport.bookmark || bookmark > transport.bookmark)) transport.bookmark = bookmark;
  const requestId = response.headers.get("x-request-id");
  if (!response.ok) throw errorFromResponse(response.status, redact(text, transport.authorization), requestId);
  if (call.text) return { body: text as T, headers: response.headers };
  if (text === "") return { body: undefined as T, headers: response.headers };
  try {
    return { body: JSON.parse(text) as T, headers: response.headers };
  } catch {
    throw new ChatApiError({
      status: response.status,
      code: "invalid_response",
      message: `${call.method} ${call.path} answered ${response.status} with a body that is not JSON`,
      requestId,
    });
  }
}

function urlOf(baseUrl: string, call: Call): string {
  const url = new URL(`${baseUrl}${call.path}`);
  for (const [name, value] of Object.entries(call.query ?? {})) {
    if (value !== undefined) url.searchParams.set(name, value instanceof Date ? value.toISOString() : String(value));
  }
  return url.toString();
}

// A key never appears in a message the client builds; this guards text it did not write.
const redact = (text: string, secret: string) => (secret ? text.split(secret).join("[redacted]") : text);
