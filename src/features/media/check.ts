// Checks a media URL a client gives for a template's IMAGE, VIDEO or DOCUMENT header before the
// send is accepted: WhatsApp downloads the file itself, later, and a URL it cannot use only fails
// at delivery. The URL must be safe to request (see ./address), publicly downloadable, and of a
// type and size WhatsApp takes for that header (see ./limits).
//
// One bounded probe: HEAD first; when a server refuses HEAD (405, 501, or the 403 of signed
// object-store URLs) a GET of `Range: bytes=0-0` whose body is cancelled at once. Redirects are
// followed by hand, at most MAX_REDIRECTS, each Location re-checked against the same rules. A
// single timeout bounds the whole probe, redirects included. Results are cached (./cache).

import type { HostEntry } from "../../platform/config";
import { withTimeLimit } from "../../platform/time-limit";
import { refuseUrl, type UrlRefusal } from "./address";
import { ResultCache } from "./cache";
import { MEDIA_LIMITS, type MediaKind, MiB } from "./limits";

export type { MediaKind } from "./limits";

export type MediaCheckResult =
  | { ok: true; contentType: string; size: number | null; finalUrl: string }
  | { ok: false; reason: string };

export interface MediaCheckOptions {
  /** Used for every request; defaults to the runtime's fetch. */
  fetch?: typeof fetch;
  /** Bounds the whole check, redirects included. */
  timeoutMs?: number;
  /** The clock the cache's expiry is read from. */
  now?: () => number;
  /** Where results are kept; defaults to the isolate's cache, shared by every request it serves. */
  cache?: ResultCache<MediaCheckResult>;
  /** DEV_MEDIA_HOSTS: local hosts requested as if public, redirects to them included. */
  devHosts?: readonly HostEntry[];
}

const isolateCache = new ResultCache<MediaCheckResult>();

export const MEDIA_CHECK_TIMEOUT_MS = 5_000;
export const MAX_REDIRECTS = 3;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** HEAD answered with these is retried as a ranged GET. */
const HEAD_REFUSED_STATUSES = new Set([403, 405, 501]);

function refusalReason(refusal: UrlRefusal, subject: string): string {
  switch (refusal) {
    case "invalid":
      return `${subject} is not a valid URL`;
    case "scheme":
      return `${subject} must start with http:// or https://`;
    case "credentials":
      return `${subject} must not contain a user name or password`;
    case "internal-name":
      return `${subject} must name a public host, not a local or internal one`;
    case "private-address":
      return `${subject} must point to a public address, not a private, loopback, link-local or reserved one`;
  }
}

const fail = (reason: string) => ({ ok: false as const, reason });

export function describeTimeout(ms: number): string {
  if (ms % 1000 === 0) return ms === 1000 ? "1 second" : `${ms / 1000} seconds`;
  return `${ms} ms`;
}

export function describeStatus(status: number): string {
  if (status === 401 || status === 403) {
    return `the media server refused access (HTTP ${status}); the file must be downloadable without credentials`;
  }
  if (status === 404 || status === 410) return `the media server has no file at this URL (HTTP ${status})`;
  if (status >= 500) return `the media server failed (HTTP ${status}); try again later`;
  return `the media server answered HTTP ${status} instead of the file`;
}

/** Megabytes with one decimal, rounded up so a file just over a limit never reads as equal to it. */
export const megabytes = (bytes: number) => `${(Math.ceil((bytes / MiB) * 10) / 10).toFixed(1)} MB`;

/** The total size a response declares: a 206's Content-Range total, else Content-Length. */
function declaredSize(response: Response): number | null {
  if (response.status === 206) {
    const total = /\/\s*(\d+)\s*$/.exec(response.headers.get("content-range") ?? "")?.[1];
    return total === undefined ? null : Number(total);
  }
  const length = response.headers.get("content-length")?.trim();
  return length && /^\d+$/.test(length) ? Number(length) : null;
}

export async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // Nothing to do: the body is not wanted.
  }
}

/** The kind whose types include `contentType`; null when WhatsApp takes it for no header. */
export function kindOfType(contentType: string): MediaKind | null {
  for (const [kind, limit] of Object.entries(MEDIA_LIMITS))
    if (limit.types.includes(contentType)) return kind as MediaKind;
  return null;
}

const ANY_KIND = "an image (JPEG, PNG), a video (MP4, 3GPP) or a document (PDF, plain text, Microsoft Office)";

/** The response's type essence and declared size, judged for `kind` (or, when null, the kind its type is). */
export function judge(
  kind: MediaKind | null,
  response: Response,
  finalUrl: string,
  maxBytes = Infinity,
): MediaCheckResult {
  const contentType = (response.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  const needs = kind ? `${MEDIA_LIMITS[kind].header} needs ${MEDIA_LIMITS[kind].accepted}` : `it must be ${ANY_KIND}`;
  if (contentType === "") {
    return fail(`the media server did not say what type of file this is (no Content-Type); ${needs}`);
  }
  const judged = kind ?? kindOfType(contentType);
  if (judged === null || !MEDIA_LIMITS[judged].types.includes(contentType)) {
    return fail(`the file is ${contentType}, but ${needs}`);
  }
  const limit = MEDIA_LIMITS[judged];
  const size = declaredSize(response);
  if (size === 0) return fail("the file is empty");
  if (size !== null && size > limit.maxBytes) {
    return fail(`the file is ${megabytes(size)}, over WhatsApp's ${limit.maxLabel} limit for ${limit.header}`);
  }
  if (size !== null && size > maxBytes)
    return fail(`the file is ${megabytes(size)}, over the ${megabytes(maxBytes)} kept here`);
  return { ok: true, contentType, size, finalUrl };
}

type Followed = { ok: true; response: Response; url: URL } | { ok: false; reason: string };

/**
 * Requests `start` with `request`, following redirects by hand (each Location re-checked against
 * the address rules, at most MAX_REDIRECTS), until a response that is not a redirect.
 */
export async function follow(
  signal: AbortSignal,
  start: URL,
  timeoutMs: number,
  devHosts: readonly HostEntry[],
  request: (url: URL) => Promise<Response>,
): Promise<Followed> {
  let url = start;
  for (let redirects = 0; ; redirects++) {
    let response: Response;
    try {
      response = await request(url);
    } catch {
      if (signal.aborted) return fail(`the media server did not answer within ${describeTimeout(timeoutMs)}`);
      return fail("the media server could not be reached");
    }
    if (!REDIRECT_STATUSES.has(response.status)) return { ok: true, response, url };
    await discard(response);
    if (redirects === MAX_REDIRECTS) return fail(`the URL redirects more than ${MAX_REDIRECTS} times`);
    const location = response.headers.get("location");
    if (!location) return fail(`the media server answered a redirect (HTTP ${response.status}) without a Location`);
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      return fail(refusalReason("invalid", "the URL's redirect target"));
    }
    const refusal = refuseUrl(next, devHosts);
    if (refusal) return fail(refusalReason(refusal, "the URL's redirect target"));
    url = next;
  }
}

const probe = (
  start: URL,
  kind: MediaKind,
  fetcher: typeof fetch,
  timeoutMs: number,
  devHosts: readonly HostEntry[],
): Promise<MediaCheckResult> =>
  withTimeLimit(timeoutMs, async (signal) => {
    const headers = { accept: MEDIA_LIMITS[kind].types.join(", "), "accept-encoding": "identity" };
    const followed = await follow(signal, start, timeoutMs, devHosts, async (url) => {
      const response = await fetcher(url.href, { method: "HEAD", headers, redirect: "manual", signal });
      if (!HEAD_REFUSED_STATUSES.has(response.status)) return response;
      await discard(response);
      return fetcher(url.href, {
        method: "GET",
        headers: { ...headers, range: "bytes=0-0" },
        redirect: "manual",
        signal,
      });
    });
    if (!followed.ok) return followed;
    await discard(followed.response);
    const { response, url } = followed;
    if (response.status < 200 || response.status > 299) return fail(describeStatus(response.status));
    return judge(kind, response, url.href);
  });

/** The URL, parsed, when the address rules let it be requested; else why not. */
export function requestable(url: string, devHosts: readonly HostEntry[]): URL | { ok: false; reason: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return fail(refusalReason("invalid", "the URL"));
  }
  const refusal = refuseUrl(parsed, devHosts);
  return refusal ? fail(refusalReason(refusal, "the URL")) : parsed;
}

/**
 * Checks that `url` is a public, downloadable file WhatsApp accepts for a `kind` template header.
 * A failure's `reason` is one client-facing sentence, meant to follow the field name
 * (`media.url: the file is text/html, but an IMAGE header needs …`). `contentType` is the type's
 * essence, without parameters; `size` is null when the server did not declare one.
 */
export async function checkMediaUrl(
  url: string,
  kind: MediaKind,
  options: MediaCheckOptions = {},
): Promise<MediaCheckResult> {
  const devHosts = options.devHosts ?? [];
  const parsed = requestable(url, devHosts);
  // Refused without a request: nothing worth caching.
  if (!(parsed instanceof URL)) return parsed;

  const now = options.now ?? Date.now;
  const cache = options.cache ?? isolateCache;
  const key = `${kind} ${parsed.href}`;
  const hit = cache.get(key, now());
  if (hit) return hit;

  const fetcher = options.fetch ?? ((input, init) => fetch(input, init));
  const result = await probe(parsed, kind, fetcher, options.timeoutMs ?? MEDIA_CHECK_TIMEOUT_MS, devHosts);
  cache.remember(key, result, now());
  return result;
}
