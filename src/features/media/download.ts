// Downloads a file for the media library (src/features/media/library-routes.ts): the same
// address rules and redirect handling as the header check (./check), then the whole body, bounded.

import { withTimeLimit } from "../../platform/time-limit";
import { refuseUrl } from "./address";
import {
  describeStatus,
  describeTimeout,
  discard,
  follow,
  judge,
  kindOfType,
  type MediaCheckOptions,
  megabytes,
  refusalReason,
} from "./check";
import { MEDIA_LIMITS, type MediaKind } from "./limits";

const fail = (reason: string) => ({ ok: false as const, reason });

export const MEDIA_DOWNLOAD_TIMEOUT_MS = 30_000;

export type MediaDownload =
  | { ok: true; bytes: Uint8Array; contentType: string; kind: MediaKind; finalUrl: string }
  | { ok: false; reason: string };

/**
 * Downloads the file at `url` for the media library, under the same address rules as the check:
 * any kind WhatsApp takes for a header, at most `maxBytes` (a server that declares no size, or the
 * wrong one, is cut off there). Not cached: it runs once per file stored.
 */
export async function downloadMedia(
  url: string,
  maxBytes: number,
  options: MediaCheckOptions = {},
): Promise<MediaDownload> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return fail(refusalReason("invalid", "the URL"));
  }
  const devHosts = options.devHosts ?? [];
  const refusal = refuseUrl(parsed, devHosts);
  if (refusal) return fail(refusalReason(refusal, "the URL"));
  const fetcher = options.fetch ?? ((input, init) => fetch(input, init));
  const timeoutMs = options.timeoutMs ?? MEDIA_DOWNLOAD_TIMEOUT_MS;
  return withTimeLimit(timeoutMs, async (signal): Promise<MediaDownload> => {
    const headers = { "accept-encoding": "identity" };
    const followed = await follow(signal, parsed, timeoutMs, devHosts, (next) =>
      fetcher(next.href, { method: "GET", headers, redirect: "manual", signal }),
    );
    if (!followed.ok) return followed;
    const { response, url: finalUrl } = followed;
    if (response.status < 200 || response.status > 299) {
      await discard(response);
      return fail(describeStatus(response.status));
    }
    const judged = judge(null, response, finalUrl.href, maxBytes);
    if (!judged.ok) {
      await discard(response);
      return judged;
    }
    const kind = kindOfType(judged.contentType) as MediaKind;
    const limit = Math.min(maxBytes, MEDIA_LIMITS[kind].maxBytes);
    const bytes = await readAtMost(response, limit, signal);
    if (bytes === "aborted") return fail(`the media server did not send the file within ${describeTimeout(timeoutMs)}`);
    if (bytes === "broken") return fail("the media server broke off the download");
    if (bytes === null) return fail(`the file is larger than ${megabytes(limit)}`);
    if (bytes.byteLength === 0) return fail("the file is empty");
    return { ok: true, bytes, contentType: judged.contentType, kind, finalUrl: finalUrl.href };
  });
}

/** The body, or null once it passes `limit` bytes (the rest is not read). */
async function readAtMost(
  response: Response,
  limit: number,
  signal: AbortSignal,
): Promise<Uint8Array | null | "aborted" | "broken"> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of response.body ?? new ReadableStream<Uint8Array>()) {
      total += chunk.byteLength;
      if (total > limit) {
        await discard(response);
        return null;
      }
      chunks.push(chunk);
    }
  } catch {
    return signal.aborted ? "aborted" : "broken";
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}
