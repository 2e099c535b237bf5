// Downloads a file for the media library (src/features/media/library-routes.ts): the same
// address rules and redirect handling as the header check (./check), then the whole body, bounded.

import { withTimeLimit } from "../../platform/time-limit";
import { readAtMost } from "./bytes";
import {
  describeStatus,
  describeTimeout,
  discard,
  follow,
  judge,
  kindOfType,
  type MediaCheckOptions,
  megabytes,
  requestable,
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
  const devHosts = options.devHosts ?? [];
  const parsed = requestable(url, devHosts);
  if (!(parsed instanceof URL)) return parsed;
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
    let bytes: Uint8Array | null;
    try {
      bytes = await readAtMost(response.body, limit);
    } catch {
      if (signal.aborted) return fail(`the media server did not send the file within ${describeTimeout(timeoutMs)}`);
      return fail("the media server broke off the download");
    }
    if (bytes === null) return fail(`the file is larger than ${megabytes(limit)}`);
    if (bytes.byteLength === 0) return fail("the file is empty");
    return { ok: true, bytes, contentType: judged.contentType, kind, finalUrl: finalUrl.href };
  });
}
