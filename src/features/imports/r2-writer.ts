// R2 takes a body of unknown length only as a multipart upload, and a multipart upload only in
// parts of at least 5 MiB that are all the same size except the last (R2's rule, stricter than
// S3's). So bytes are gathered into one fixed buffer and sent a full part at a time: an upload
// holds at most one part in memory, whatever the file's size.
export const R2_PART_BYTES = 5 * 1024 * 1024;

/** Streams bytes into one R2 object through a multipart upload. */
export class R2PartWriter {
  readonly #bucket: R2Bucket;
  readonly #key: string;
  readonly #partBytes: number;
  #upload: R2MultipartUpload | null = null;
  #parts: R2UploadedPart[] = [];
  #buffer: Uint8Array;
  #filled = 0;
  #bytes = 0;

  constructor(bucket: R2Bucket, key: string, partBytes = R2_PART_BYTES) {
    this.#bucket = bucket;
    this.#key = key;
    this.#partBytes = partBytes;
    this.#buffer = new Uint8Array(partBytes);
  }

  /** Bytes written so far. */
  get bytes() {
    return this.#bytes;
  }

  async write(chunk: Uint8Array) {
    this.#bytes += chunk.length;
    let from = 0;
    while (from < chunk.length) {
      const take = Math.min(this.#partBytes - this.#filled, chunk.length - from);
      this.#buffer.set(chunk.subarray(from, from + take), this.#filled);
      this.#filled += take;
      from += take;
      if (this.#filled === this.#partBytes) await this.#sendPart(this.#buffer);
    }
  }

  /** Sends the last part and assembles the object. */
  async complete(): Promise<R2Object> {
    if (this.#filled > 0 || this.#parts.length === 0) await this.#sendPart(this.#buffer.subarray(0, this.#filled));
    const upload = await this.#started();
    const object = await upload.complete(this.#parts);
    this.#release();
    return object;
  }

  /** Drops whatever was uploaded. Safe to call at any point, and more than once. */
  async abort() {
    const upload = this.#upload;
    this.#upload = null;
    this.#release();
    if (upload) await upload.abort().catch(() => undefined);
  }

  async #started() {
    this.#upload ??= await this.#bucket.createMultipartUpload(this.#key, {
      httpMetadata: { contentType: "text/csv; charset=utf-8" },
    });
    return this.#upload;
  }

  async #sendPart(bytes: Uint8Array) {
    const upload = await this.#started();
    this.#parts.push(await upload.uploadPart(this.#parts.length + 1, bytes));
    this.#filled = 0;
  }

  #release() {
    this.#buffer = new Uint8Array(0);
    this.#filled = 0;
  }
}
