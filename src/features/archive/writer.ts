// An archive object is gzip-compressed NDJSON of unknown length, written as its rows are read. R2
// takes a body of unknown length only as a multipart upload, whose parts must be at least 5 MiB and
// all the same size except the last (R2's rule). So compressed bytes gather in one part-sized
// buffer and go out a full part at a time: a write holds at most one part and one page of rows in
// memory, whatever the unit's size. An object that fits in one part is a single put instead (one
// request rather than three).
export const ARCHIVE_PART_BYTES = 5 * 1024 * 1024;

export const ARCHIVE_CONTENT_TYPE = "application/gzip";

/** Writes NDJSON text, gzip-compressed, to one R2 object at `key` (replacing what is there). */
export class ArchiveObjectWriter {
  readonly #bucket: R2Bucket;
  readonly #key: string;
  readonly #partBytes: number;
  readonly #encoder = new TextEncoder();
  readonly #input: WritableStreamDefaultWriter<Uint8Array>;
  readonly #pumped: Promise<void>;
  #upload: R2MultipartUpload | null = null;
  #parts: R2UploadedPart[] = [];
  #buffer: Uint8Array;
  #filled = 0;
  #bytes = 0;

  constructor(bucket: R2Bucket, key: string, partBytes = ARCHIVE_PART_BYTES) {
    this.#bucket = bucket;
    this.#key = key;
    this.#partBytes = partBytes;
    this.#buffer = new Uint8Array(partBytes);
    const gzip = new CompressionStream("gzip");
    this.#input = gzip.writable.getWriter();
    this.#pumped = this.#pump(gzip.readable);
    // Seen through `complete`; a rejection nobody awaits yet must not count as unhandled.
    this.#pumped.catch(() => undefined);
  }

  /** Compressed bytes written so far (all of them once `complete` resolves). */
  get bytes() {
    return this.#bytes;
  }

  async write(text: string) {
    await this.#input.write(this.#encoder.encode(text));
  }

  /** Ends the stream and stores the object; resolves with its compressed size. */
  async complete(): Promise<number> {
    await this.#input.close();
    await this.#pumped;
    const last = this.#buffer.subarray(0, this.#filled);
    if (this.#upload === null) {
      await this.#bucket.put(this.#key, last, { httpMetadata: { contentType: ARCHIVE_CONTENT_TYPE } });
    } else {
      if (this.#filled > 0) await this.#sendPart(last);
      await this.#upload.complete(this.#parts);
      this.#upload = null;
    }
    this.#buffer = new Uint8Array(0);
    return this.#bytes;
  }

  /** Drops whatever was uploaded. Safe at any point, and more than once. */
  async abort() {
    await this.#input.abort().catch(() => undefined);
    const upload = this.#upload;
    this.#upload = null;
    this.#buffer = new Uint8Array(0);
    if (upload) await upload.abort().catch(() => undefined);
  }

  async #pump(readable: ReadableStream<Uint8Array>) {
    const reader = readable.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      this.#bytes += value.length;
      let from = 0;
      while (from < value.length) {
        const take = Math.min(this.#partBytes - this.#filled, value.length - from);
        this.#buffer.set(value.subarray(from, from + take), this.#filled);
        this.#filled += take;
        from += take;
        if (this.#filled === this.#partBytes) await this.#sendPart(this.#buffer);
      }
    }
  }

  async #sendPart(bytes: Uint8Array) {
    this.#upload ??= await this.#bucket.createMultipartUpload(this.#key, {
      httpMetadata: { contentType: ARCHIVE_CONTENT_TYPE },
    });
    this.#parts.push(await this.#upload.uploadPart(this.#parts.length + 1, bytes));
    this.#filled = 0;
  }
}
