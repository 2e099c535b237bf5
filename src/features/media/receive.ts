// Reads a file sent to POST /v1/media/from/file: a multipart form with a `file` part (its type and
// name from the part), or the raw file with its own Content-Type and `?filename=`. Bounded: a body
// past the limit is refused as it streams in, never buffered whole.

import { ApiError, fieldError } from "../../platform/errors";
import { readAtMost } from "./bytes";
import { kindOfType } from "./check";
import { MEDIA_LIMITS, type MediaKind, MiB } from "./limits";

/**
 * What the library keeps: any file WhatsApp takes as a header, up to 16 MB. The upload to WhatsApp
 * holds the file in the Worker's memory (128 MB), so documents, which WhatsApp takes up to 100 MB,
 * are kept here only up to this size; a larger one is sent by link.
 */
export const LIBRARY_MAX_BYTES = 16 * MiB;
// A multipart body carries its boundaries and part headers besides the file.
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;
const MAX_FILENAME = 240;

export interface ReceivedFile {
  bytes: Uint8Array;
  contentType: string;
  kind: MediaKind;
  filename: string;
}

const tooLarge = () => new ApiError("payload_too_large", `file: is larger than ${LIBRARY_MAX_BYTES / MiB} MB`);

/** The type's essence, lowercase, without parameters. */
const essence = (type: string) => type.split(";")[0]?.trim().toLowerCase() ?? "";

function judged(
  bytes: Uint8Array,
  type: string,
  filename: string,
  field: string,
  where: "body" | "query",
): ReceivedFile {
  const contentType = essence(type);
  const kind = kindOfType(contentType);
  if (!kind) {
    throw fieldError(
      field,
      `is ${contentType || "of no type"}; WhatsApp takes a JPEG or PNG image, an MP4 or 3GPP video, or a PDF, plain-text or Microsoft Office document`,
    );
  }
  if (bytes.byteLength === 0) throw fieldError(field, "is empty");
  const limit = MEDIA_LIMITS[kind];
  if (bytes.byteLength > limit.maxBytes)
    throw fieldError(field, `is over WhatsApp's ${limit.maxLabel} limit for ${limit.header}`);
  const name = filename.trim();
  if (name.length > MAX_FILENAME) throw fieldError("filename", `must be at most ${MAX_FILENAME} characters`, where);
  return { bytes, contentType, kind, filename: name || `file.${contentType.split("/")[1] ?? "bin"}` };
}

export async function receiveFile(request: Request): Promise<ReceivedFile> {
  const type = request.headers.get("content-type") ?? "";
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  const multipart = essence(type) === "multipart/form-data";
  const limit = LIBRARY_MAX_BYTES + (multipart ? MULTIPART_OVERHEAD_BYTES : 0);
  if (declared > limit) throw tooLarge();
  const bytes = await readAtMost(request.body, limit);
  if (bytes === null) throw tooLarge();
  const queryName = new URL(request.url).searchParams.get("filename") ?? "";
  if (!multipart) {
    if (type === "")
      throw new ApiError("unsupported_media_type", "send the file with its own Content-Type, or as a multipart form");
    return judged(bytes, type, queryName, "file", "query");
  }
  let form: FormData;
  try {
    form = await new Response(bytes, { headers: { "content-type": type } }).formData();
  } catch {
    throw new ApiError("bad_request", "the multipart form could not be read");
  }
  const file = form.get("file");
  if (file === null || typeof file === "string")
    throw fieldError("file", "is required: a part named file holding the file");
  if (file.size > LIBRARY_MAX_BYTES) throw tooLarge();
  const named = form.get("filename");
  const filename = typeof named === "string" && named !== "" ? named : queryName || file.name;
  return judged(new Uint8Array(await file.arrayBuffer()), file.type, filename, "file", "body");
}
