/**
 * A stream read whole into one buffer, or null as soon as it passes `limit` bytes (the rest is
 * cancelled, never read). A broken stream throws, as its reader does.
 */
export async function readAtMost(body: ReadableStream<Uint8Array> | null, limit: number): Promise<Uint8Array | null> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body ?? new ReadableStream<Uint8Array>()) {
    total += chunk.byteLength;
    // Leaving the loop cancels the stream.
    if (total > limit) return null;
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}
