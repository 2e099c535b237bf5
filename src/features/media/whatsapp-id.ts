// The id WhatsApp knows a library file by. A send names an uploaded file by that id instead of a
// link, so WhatsApp does not download the file once per recipient; the file goes up once and every
// message of every campaign that names it reuses the id.
//
// WhatsApp keeps an upload for 30 days. An id is handed out only while it has REUPLOAD_MARGIN_MS
// left, so a message queued with it (a run's fan-out, a paced backlog, a held campaign) is sent
// long before WhatsApp forgets the file; after that the file is uploaded again from R2. Of the
// requests that find an id stale at once, the one that claims the upload (a conditional update,
// see claimUpload) uploads; the others keep sending the old id while it still has
// LAST_USE_MARGIN_MS left, or wait for the new one.

import type { Config } from "../../platform/config";
import type { Db } from "../../platform/db/client";
import { ApiError } from "../../platform/errors";
import type { Logger } from "../../platform/log";
import { UPLOADED_MEDIA_LIFETIME_MS } from "../../whatsapp/provider";
import { providerFailure } from "../../whatsapp/provider-call";
import { accountFor, providerFor } from "../../whatsapp/select";
import { kindOfType } from "./check";
import { claimUpload, getMediaFile, type MediaFileRow, recordUpload } from "./library-store";
import type { MediaKind } from "./limits";

const DAY_MS = 24 * 60 * 60 * 1000;
/** An id is used for new messages only while WhatsApp keeps the file at least this much longer. */
export const REUPLOAD_MARGIN_MS = 7 * DAY_MS;
/** While another request uploads, the old id still serves if it has this much left. */
export const LAST_USE_MARGIN_MS = DAY_MS;
/** How long a claim to upload holds should its holder die before recording the upload. */
export const UPLOAD_CLAIM_MS = 2 * 60_000;
/** How long a request waits for another's upload of a file it has no usable id for. */
const WAIT_FOR_UPLOAD_MS = 5_000;
const POLL_MS = 250;
// Ids change once in 23 days: an isolate asks D1 again after this, to notice a changed account.
const CACHE_TTL_MS = 5 * 60_000;

export interface MediaDeps {
  db: Db;
  config: Config;
  events: Queue;
  bucket: R2Bucket;
  log: Logger;
  /** Replaces the global fetch for Meta calls (tests). */
  fetch?: typeof fetch;
  now?: () => number;
}

/** WhatsApp's id of a library file, and the header kind the file fits. */
export interface LibraryMedia {
  id: string;
  kind: MediaKind;
}

const cache = new Map<string, LibraryMedia & { until: number }>();

/** Forgets what this isolate knows of a file's id (deleted, or re-uploaded by a test). */
export function forgetMediaId(projectId: string, fileId: string) {
  cache.delete(`${projectId}:${fileId}`);
}

const usable = (row: MediaFileRow, phoneNumberId: string, now: number, margin: number) =>
  row.waMediaId !== null &&
  row.uploadedAt !== null &&
  row.waPhoneNumberId === phoneNumberId &&
  row.uploadedAt + UPLOADED_MEDIA_LIFETIME_MS - margin > now;

/**
 * WhatsApp's id for the project's library file, uploading the file first when it has none for the
 * project's phone number, or when the one it has nears its end. Throws `notFound` for an unknown
 * file; a provider refusal as the API reports it.
 */
export async function whatsappMediaId(
  deps: MediaDeps,
  projectId: string,
  file: string | MediaFileRow,
): Promise<LibraryMedia> {
  const now = (deps.now ?? Date.now)();
  const fileId = typeof file === "string" ? file : file.id;
  const key = `${projectId}:${fileId}`;
  const hit = cache.get(key);
  if (hit && hit.until > now) return { id: hit.id, kind: hit.kind };

  let row = typeof file === "string" ? await getMediaFile(deps.db, projectId, file) : file;
  if (!row) throw new ApiError("not_found", `media file ${fileId} not found`);
  const account = await accountFor(deps.db, deps.config, projectId);
  const kind = kindOfType(row.contentType) ?? "DOCUMENT";
  const remember = (id: string): LibraryMedia => {
    if (cache.size > 10_000) cache.clear();
    cache.set(key, { id, kind, until: now + CACHE_TTL_MS });
    return { id, kind };
  };
  if (usable(row, account.phoneNumberId, now, REUPLOAD_MARGIN_MS)) return remember(row.waMediaId as string);

  if (await claimUpload(deps.db, row, now, UPLOAD_CLAIM_MS)) {
    return remember(await upload(deps, row, account));
  }
  // Another request is uploading it.
  if (usable(row, account.phoneNumberId, now, LAST_USE_MARGIN_MS)) return { id: row.waMediaId as string, kind };
  const waitUntil = now + WAIT_FOR_UPLOAD_MS;
  while (Date.now() < waitUntil) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    row = await getMediaFile(deps.db, projectId, fileId);
    if (!row) throw new ApiError("not_found", `media file ${fileId} not found`);
    if (usable(row, account.phoneNumberId, now, REUPLOAD_MARGIN_MS)) return remember(row.waMediaId as string);
  }
  throw new ApiError(
    "provider_error",
    `media file ${fileId} is being uploaded to WhatsApp; try again in a few seconds`,
    {
      headers: { "Retry-After": "5" },
    },
  );
}

async function upload(deps: MediaDeps, row: MediaFileRow, account: Awaited<ReturnType<typeof accountFor>>) {
  let released = false;
  const release = async () => {
    if (!released) await recordUpload(deps.db, row, null);
    released = true;
  };
  try {
    const object = await deps.bucket.get(row.r2Key);
    if (!object) {
      deps.log.error("media file missing from R2", { fileId: row.id, r2Key: row.r2Key });
      throw new ApiError("internal_error", `media file ${row.id} is missing from storage: upload it again`);
    }
    const provider = await providerFor(account, { config: deps.config, events: deps.events, fetch: deps.fetch });
    const result = await provider.uploadMedia({
      bytes: await object.arrayBuffer(),
      contentType: row.contentType,
      filename: row.filename,
    });
    if (!result.ok) {
      deps.log.warn("media upload refused", { fileId: row.id, code: result.error.code, class: result.error.class });
      throw providerFailure(result.error, "take the media file");
    }
    const uploadedAt = (deps.now ?? Date.now)();
    await recordUpload(deps.db, row, { waMediaId: result.id, waPhoneNumberId: account.phoneNumberId, uploadedAt });
    released = true;
    deps.log.info("media uploaded to whatsapp", { fileId: row.id, bytes: row.bytes });
    return result.id;
  } finally {
    await release();
  }
}
