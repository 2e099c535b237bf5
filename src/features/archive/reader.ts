import { type ArchivedMessage, parseLine } from "./record";

// Reading an archive object back: decompressed and split into lines as it streams from R2, so a
// read holds one line at a time. Records are in message id order (the write reads keyset pages by
// id), so a read that wants ids after a cursor, or one id, stops as soon as it has passed them.

/** Thrown when a manifest says an object exists and R2 does not have it: never answered as empty. */
export class ArchiveMissingError extends Error {
  constructor(key: string) {
    super(`archive object ${key} is missing`);
  }
}

/** Every record of the object at `key`, in order. Stop early by breaking out of the loop. */
export async function* readArchive(bucket: R2Bucket, key: string): AsyncGenerator<ArchivedMessage> {
  const object = await bucket.get(key);
  if (!object) throw new ArchiveMissingError(key);
  const lines = object.body.pipeThrough(new DecompressionStream("gzip")).pipeThrough(new TextDecoderStream());
  const reader = lines.getReader();
  let rest = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += value;
      let end = rest.indexOf("\n");
      while (end !== -1) {
        const line = rest.slice(0, end);
        rest = rest.slice(end + 1);
        if (line !== "") yield parseLine(line);
        end = rest.indexOf("\n");
      }
    }
    if (rest.trim() !== "") yield parseLine(rest);
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** Up to `limit` records after message id `after` that pass `keep`, in id order. */
export async function archivePage(
  bucket: R2Bucket,
  key: string,
  after: string | undefined,
  limit: number,
  keep: (m: ArchivedMessage) => boolean = () => true,
): Promise<ArchivedMessage[]> {
  const out: ArchivedMessage[] = [];
  if (limit <= 0) return out;
  for await (const message of readArchive(bucket, key)) {
    if (after !== undefined && message.id <= after) continue;
    if (!keep(message)) continue;
    out.push(message);
    if (out.length >= limit) break;
  }
  return out;
}

/** The record of message `id` in the object, or null. */
export async function findInArchive(bucket: R2Bucket, key: string, id: string): Promise<ArchivedMessage | null> {
  for await (const message of readArchive(bucket, key)) {
    if (message.id === id) return message;
    if (message.id > id) return null;
  }
  return null;
}
