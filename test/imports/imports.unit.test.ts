import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type CsvRecord, CsvRecordReader, newlineBefore } from "../../src/features/imports/csv";
import { R2_PART_BYTES, R2PartWriter } from "../../src/features/imports/r2-writer";
import { receiveUpload } from "../../src/features/imports/upload";

const TEXT = '\uFEFFnumber,name\r\n+919876543210,"a, b"\r\n\r\n+919876543211,"multi\nline"\r\n"é 👋",y\r\n+91,z';
const BYTES = new TextEncoder().encode(TEXT);

/** Every record of `bytes` from `offset`, fed `step` bytes at a time. */
function records(bytes: Uint8Array, step: number, start = { offset: 0, lines: 0 }) {
  const reader = new CsvRecordReader({
    ...start,
    newline: start.offset > 0 ? newlineBefore(bytes.subarray(0, start.offset)) : null,
    maxRecordChars: 10_000,
  });
  const out: CsvRecord[] = [];
  for (let i = start.offset; ; i += step) {
    reader.push(i >= bytes.length ? null : bytes.subarray(i, i + step));
    reader.read((record) => out.push(record) > 0);
    if (i >= bytes.length) return out;
  }
}

describe("CSV record reader", () => {
  it("reads the same records, lines and offsets however the bytes arrive", () => {
    const whole = records(BYTES, BYTES.length);
    expect(whole.map((r) => [r.cells, r.line, r.end, r.lines])).toEqual([
      [["\uFEFFnumber", "name"], 1, 16, 1],
      [["+919876543210", "a, b"], 2, 38, 2],
      [[""], 3, 40, 3],
      [["+919876543211", "multi\nline"], 4, 68, 5],
      [["é 👋", "y"], 6, 81, 6],
      [["+91", "z"], 7, 86, 6],
    ]);
    expect(whole.at(-1)?.end).toBe(BYTES.length);
    for (const step of [1, 2, 3, 5, 7, 64]) expect(records(BYTES, step), `step ${step}`).toEqual(whole);
  });

  it("resumes at any record's end with the records that follow it", () => {
    const whole = records(BYTES, BYTES.length);
    for (const [i, record] of whole.slice(0, -1).entries()) {
      expect(records(BYTES, 3, { offset: record.end, lines: record.lines })).toEqual(whole.slice(i + 1));
    }
  });

  it("stops when told to and keeps the rest for the next read", () => {
    const reader = new CsvRecordReader({ offset: 0, lines: 0, newline: null, maxRecordChars: 10_000 });
    reader.push(BYTES);
    reader.push(null);
    const seen: string[][] = [];
    while (!reader.finished) reader.read((record) => seen.push(record.cells) % 2 === 1);
    expect(seen).toEqual(records(BYTES, BYTES.length).map((r) => r.cells));
  });

  it("refuses a record longer than its limit", () => {
    const reader = new CsvRecordReader({ offset: 0, lines: 0, newline: "\n", maxRecordChars: 10 });
    expect(() => reader.push(new TextEncoder().encode('"an open quote that never ends'))).toThrow(/longer than 10/);
  });
});

describe("R2 part writer", () => {
  it("writes a file of several parts, every part but the last of the same size", async () => {
    const size = 2 * R2_PART_BYTES + 12_345;
    const writer = new R2PartWriter(env.FILES, "test/parts.csv");
    const source = new Uint8Array(size).map((_, i) => i % 251);
    for (let i = 0; i < size; i += 999_983) await writer.write(source.subarray(i, i + 999_983));
    const object = await writer.complete();
    expect(object.size).toBe(size);
    const stored = new Uint8Array((await (await env.FILES.get("test/parts.csv"))?.arrayBuffer()) ?? new ArrayBuffer(0));
    // Compared byte by byte: a diff of two 10 MB arrays would not fit in a test's memory.
    expect(stored.length).toBe(size);
    expect(stored.findIndex((byte, i) => byte !== source[i])).toBe(-1);
  });

  it("leaves nothing behind when aborted", async () => {
    const writer = new R2PartWriter(env.FILES, "test/aborted.csv");
    await writer.write(new Uint8Array(R2_PART_BYTES + 1));
    await writer.abort();
    expect(await env.FILES.head("test/aborted.csv")).toBeNull();
  });
});

describe("upload receiver", () => {
  it("413s a body growing past the limit, however it is streamed, and aborts the upload", async () => {
    const chunk = new Uint8Array(256 * 1024).fill(0x31);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 8) return controller.close();
        sent += 1;
        controller.enqueue(chunk);
      },
    });
    const request = new Request("https://api.test/x", {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body,
      duplex: "half",
    } as RequestInit);
    await expect(receiveUpload(request, env.FILES, "test/limit.csv", 1024 * 1024)).rejects.toMatchObject({
      code: "payload_too_large",
      message: "file: is larger than 1 MB; split it into several imports",
    });
    expect(await env.FILES.head("test/limit.csv")).toBeNull();
  });
});
