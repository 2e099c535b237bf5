import * as Multipart from "multipasta";
import { ApiError, fieldError } from "../../platform/errors";
import { CsvRecordReader, NotUtf8Error } from "./csv";
import { R2PartWriter } from "./r2-writer";

// multipasta's core parser is push-based and Web-only (Uint8Array in, callbacks out), and hands a
// file part over chunk by chunk as it streams past. Parsers that return each part as a whole
// (@remix-run/multipart-parser, for one, buffers a part before yielding it) would hold the file.

export const MAX_FILE_BYTES = 500 * 1024 * 1024;
/** The start of the file kept to read its header row before anything is written to D1. */
export const HEAD_BYTES = 64 * 1024;
const MAX_FIELD_BYTES = 1024;
const READ_BYTES = 256 * 1024;
const MAX_PARTS = 10;
// A multipart body carries its boundaries and part headers besides the file.
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

export interface ReceivedUpload {
  /** Text fields as sent; where they came from, for error messages. */
  fields: Record<string, string>;
  fieldsIn: "body" | "query";
  files: number;
  bytes: number;
  /** The first HEAD_BYTES of the file. */
  head: Uint8Array;
  /** Holds the file in R2, not yet completed: the caller completes or aborts it. */
  writer: R2PartWriter;
}

const tooLarge = (maxBytes: number) =>
  new ApiError(
    "payload_too_large",
    `file: is larger than ${maxBytes / (1024 * 1024)} MB; split it into several imports`,
  );

/**
 * Hands `body` to `take` in pieces of READ_BYTES (the last may be shorter), each read into a
 * buffer of ours; with `reuse`, the same buffer every time, so a piece is valid only until `take`
 * has finished with it. workerd passes a request body on in pieces of at most 4 KiB, and each
 * piece read through the stream's iterator leaves a handful of promises and wrappers that outlive
 * V8's young generation while the upload goes on: a 30 MB upload left about 14 MiB of them on the
 * heap, until a full collection.
 */
async function readPieces(
  body: ReadableStream<Uint8Array>,
  reuse: boolean,
  take: (piece: Uint8Array) => Promise<void>,
) {
  let reader: ReadableStreamBYOBReader;
  try {
    reader = body.getReader({ mode: "byob" });
  } catch {
    // A body made in JavaScript (not one that came over the network) may not be a byte stream.
    for await (const piece of body) await take(piece);
    return;
  }
  let buffer = new ArrayBuffer(READ_BYTES);
  try {
    for (;;) {
      const { value, done } = await reader.readAtLeast(READ_BYTES, new Uint8Array(buffer));
      if (value && value.byteLength > 0) await take(value);
      if (done) return;
      buffer = reuse && value ? value.buffer : new ArrayBuffer(READ_BYTES);
    }
  } finally {
    reader.releaseLock();
  }
}

/** Keeps the first HEAD_BYTES of what passes through. */
class Head {
  bytes = new Uint8Array(0);
  add(chunk: Uint8Array) {
    if (this.bytes.length >= HEAD_BYTES) return;
    const take = chunk.subarray(0, HEAD_BYTES - this.bytes.length);
    const next = new Uint8Array(this.bytes.length + take.length);
    next.set(this.bytes);
    next.set(take, this.bytes.length);
    this.bytes = next;
  }
}

/**
 * Streams the file of an upload request into R2 under `key` — a `file` part of a multipart form,
 * or the whole body of a `text/csv` request — and collects the text fields, which a form may send
 * before or after the file. Never holds more than one R2 part of the file in memory.
 */
export async function receiveUpload(
  request: Request,
  bucket: R2Bucket,
  key: string,
  maxBytes = MAX_FILE_BYTES,
): Promise<ReceivedUpload> {
  const type = request.headers.get("content-type") ?? "";
  const multipart = /^multipart\/form-data\b/i.test(type);
  if (!multipart && !/^(text|application)\/csv\b/i.test(type)) {
    throw new ApiError(
      "unsupported_media_type",
      "send the file as multipart/form-data (a `file` field with `name` and `id`) or as a text/csv body",
    );
  }
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes + (multipart ? MULTIPART_OVERHEAD_BYTES : 0)) throw tooLarge(maxBytes);

  const writer = new R2PartWriter(bucket, key);
  const head = new Head();
  const take = async (chunk: Uint8Array) => {
    if (writer.bytes + chunk.length > maxBytes) throw tooLarge(maxBytes);
    head.add(chunk);
    await writer.write(chunk);
  };
  try {
    if (!multipart) {
      if (request.body) await readPieces(request.body, true, take);
      return { fields: {}, fieldsIn: "query", files: 1, bytes: writer.bytes, head: head.bytes, writer };
    }
    const received = await readForm(request, take);
    return { ...received, fieldsIn: "body", bytes: writer.bytes, head: head.bytes, writer };
  } catch (err) {
    await writer.abort();
    throw err;
  }
}

async function readForm(request: Request, take: (chunk: Uint8Array) => Promise<void>) {
  const fields: Record<string, string> = {};
  let files = 0;
  let failure: Multipart.MultipartError | undefined;
  // Callbacks run inside parser.write; the file's chunks wait here until they are written out,
  // which happens before the next write (so the parser cannot reuse their memory meanwhile).
  const pending: Uint8Array[] = [];
  const parser = Multipart.make({
    headers: Object.fromEntries(request.headers),
    isFile: (info) => info.name === "file",
    maxParts: MAX_PARTS,
    maxFieldSize: MAX_FIELD_BYTES,
    onField: (info, value) => {
      fields[info.name] = Multipart.decodeField(info, value);
    },
    onFile: () => {
      files += 1;
      const first = files === 1;
      return (chunk) => {
        if (chunk !== null && first) pending.push(chunk);
      };
    },
    onError: (error) => {
      failure ??= error;
    },
    onDone: () => undefined,
  });
  const drain = async () => {
    if (failure) throw multipartError(failure);
    for (const chunk of pending.splice(0)) await take(chunk);
  };
  if (request.body) {
    // A fresh buffer each read: the parser keeps the end of one piece to match a boundary across two.
    await readPieces(request.body, false, async (piece) => {
      parser.write(piece);
      await drain();
    });
  }
  parser.end();
  await drain();
  if (files > 1) throw fieldError("file", "send one file per request");
  return { fields, files };
}

function multipartError(error: Multipart.MultipartError): ApiError {
  switch (error._tag) {
    case "InvalidBoundary":
      return new ApiError("bad_request", "the multipart/form-data Content-Type has no boundary");
    case "ReachedLimit":
      return error.limit === "MaxFieldSize"
        ? new ApiError("bad_request", `a form field other than \`file\` is longer than ${MAX_FIELD_BYTES} bytes`)
        : new ApiError("bad_request", `the form has more than ${MAX_PARTS} fields`);
    case "EndNotReached":
      return new ApiError("bad_request", "the multipart body ended before its closing boundary");
    default:
      return new ApiError("bad_request", "the multipart body is malformed");
  }
}

/** Whether `bytes` is UTF-8 text; with `cut`, it may end part-way through a character. */
function isUtf8(bytes: Uint8Array, cut: boolean) {
  try {
    new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes, { stream: cut });
    return true;
  } catch {
    return false;
  }
}

export type HeaderRead = { ok: true; cells: string[] } | { ok: false; reason: string };

/** The header row (first non-blank record) from the start of a file of `total` bytes. */
export function readHeader(head: Uint8Array, total: number): HeaderRead {
  const reader = new CsvRecordReader({ offset: 0, lines: 0, newline: null, maxRecordBytes: Number.MAX_SAFE_INTEGER });
  let cells: string[] | null = null;
  try {
    // The whole head is checked, not just the header row: a file saved in another encoding is
    // refused at once rather than failing part-way through its import.
    if (!isUtf8(head, head.length < total))
      throw new NotUtf8Error("the file is not UTF-8 text (save it as “CSV UTF-8”)");
    reader.push(head);
    if (head.length >= total) reader.push(null);
    reader.read((record) => {
      if (record.cells.every((cell) => cell.trim() === "")) return true;
      cells = record.cells;
      return false;
    });
  } catch (err) {
    if (err instanceof NotUtf8Error) return { ok: false, reason: err.message };
    throw err;
  }
  if (cells) return { ok: true, cells };
  return {
    ok: false,
    reason: head.length >= total ? "has no header row" : `the header row is longer than ${HEAD_BYTES / 1024} KiB`,
  };
}
