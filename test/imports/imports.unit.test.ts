import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  type CsvRecord,
  CsvRecordReader,
  type Newline,
  NotUtf8Error,
  newlineBefore,
  RecordTooLongError,
} from "../../src/features/imports/csv";
import { splitRecord } from "../../src/features/imports/csv-cells";
import { R2_PART_BYTES, R2PartWriter } from "../../src/features/imports/r2-writer";
import { receiveUpload } from "../../src/features/imports/upload";

const TEXT = '\uFEFFnumber,name\r\n+919876543210,"a, b"\r\n\r\n+919876543211,"multi\nline"\r\n"é 👋",y\r\n+91,z';
const BYTES = new TextEncoder().encode(TEXT);

/** Every record of `bytes` from `offset`, fed `step` bytes at a time. */
function records(bytes: Uint8Array, step: number, start = { offset: 0, lines: 0 }) {
  const reader = new CsvRecordReader({
    ...start,
    newline: start.offset > 0 ? newlineBefore(bytes.subarray(0, start.offset)) : null,
    maxRecordBytes: 10_000,
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
    const reader = new CsvRecordReader({ offset: 0, lines: 0, newline: null, maxRecordBytes: 10_000 });
    reader.push(BYTES);
    reader.push(null);
    const seen: string[][] = [];
    while (!reader.finished) reader.read((record) => seen.push(record.cells) % 2 === 1);
    expect(seen).toEqual(records(BYTES, BYTES.length).map((r) => r.cells));
  });

  it("refuses a record longer than its limit", () => {
    const reader = new CsvRecordReader({ offset: 0, lines: 0, newline: "\n", maxRecordBytes: 10 });
    expect(() => reader.push(new TextEncoder().encode('"an open quote that never ends'))).toThrow(
      /longer than 10 bytes/,
    );
  });

  it("limits each record, not what passes through it", () => {
    const reader = new CsvRecordReader({ offset: 0, lines: 0, newline: "\n", maxRecordBytes: 16 });
    const line = new TextEncoder().encode("+919800000001,x\n");
    let count = 0;
    for (let i = 0; i < 1000; i++) {
      reader.push(line);
      reader.read(() => ++count > 0);
    }
    expect(count).toBe(1000);
    expect(() => reader.push(new TextEncoder().encode('"a quoted cell, left open\n'))).toThrow(RecordTooLongError);
  });
});

/** Every record of `text`, fed `step` bytes at a time, as [cells, line, end, lines, unterminated]. */
const read = (text: string | Uint8Array, step = 3) =>
  records(typeof text === "string" ? new TextEncoder().encode(text) : text, step).map((r) => [
    r.cells,
    r.line,
    r.end,
    r.lines,
    r.unterminated,
  ]);

describe("CSV record reader: RFC 4180 cases", () => {
  it("unescapes doubled quotes and keeps commas and line breaks inside quotes", () => {
    const text = 'a,b\r\n"say ""hi""","x,\r\ny"\r\n"""",""\r\n';
    for (const step of [1, 2, 4, 100]) {
      expect(read(text, step), `step ${step}`).toEqual([
        [["a", "b"], 1, 5, 1, false],
        [['say "hi"', "x,\r\ny"], 2, 27, 3, false],
        [['"', ""], 4, text.length, 4, false],
      ]);
    }
  });

  it("keeps a quote inside an unquoted cell, and what follows a closing quote", () => {
    expect(read('5" screen,"a"b,"c""d"e"f\n')).toEqual([[['5" screen', "ab", 'c"de"f'], 1, 25, 1, false]]);
  });

  it("reads files with \\r line breaks, and a bare \\n inside a CRLF file's cell", () => {
    expect(read("n,c\r1,2\r")).toEqual([
      [["n", "c"], 1, 4, 1, false],
      [["1", "2"], 2, 8, 2, false],
    ]);
    expect(read("n,c\r\n1,x\ny\r\n")).toEqual([
      [["n", "c"], 1, 5, 1, false],
      [["1", "x\ny"], 2, 12, 3, false],
    ]);
  });

  it("adds no record for a final line break, and reads a last record without one", () => {
    expect(read("a\n")).toEqual([[["a"], 1, 2, 1, false]]);
    expect(read("a\n\n")).toEqual([
      [["a"], 1, 2, 1, false],
      [[""], 2, 3, 2, false],
    ]);
    expect(read("a\nb")).toEqual([
      [["a"], 1, 2, 1, false],
      [["b"], 2, 3, 1, false],
    ]);
    expect(read("")).toEqual([]);
  });

  it("marks a last record that ends inside a quoted cell", () => {
    for (const step of [1, 5, 100]) {
      expect(read('n,v\n1,"open\nstill ""open', step), `step ${step}`).toEqual([
        [["n", "v"], 1, 4, 1, false],
        [["1", 'open\nstill "open'], 2, 24, 2, true],
      ]);
    }
  });

  it("keeps a byte-order mark in the first cell and counts its bytes", () => {
    expect(read("\uFEFFnumber\n1\n")).toEqual([
      [["\uFEFFnumber"], 1, 10, 1, false],
      [["1"], 2, 12, 2, false],
    ]);
  });

  it("refuses bytes that are not UTF-8, where they are read", () => {
    const bytes = new TextEncoder().encode("n\nok\nJos?\n");
    bytes[bytes.length - 2] = 0xe9;
    const reader = new CsvRecordReader({ offset: 0, lines: 0, newline: null, maxRecordBytes: 100 });
    reader.push(bytes);
    reader.push(null);
    const seen: string[][] = [];
    expect(() => reader.read((record) => seen.push(record.cells) > 0)).toThrow(NotUtf8Error);
    expect(seen).toEqual([["n"], ["ok"]]);
  });

  it("splits a record's text into cells", () => {
    expect(splitRecord("a,,b", false)).toEqual(["a", "", "b"]);
    expect(splitRecord("", false)).toEqual([""]);
    expect(splitRecord('"",x,""""', true)).toEqual(["", "x", '"']);
    expect(splitRecord('x,"a,b"', true)).toEqual(["x", "a,b"]);
    expect(splitRecord('x,"a,b",', true)).toEqual(["x", "a,b", ""]);
  });

  it("reads back whatever an RFC 4180 writer wrote, however the bytes arrive", () => {
    // A small deterministic generator: the same cases on every run.
    let seed = 12345;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pieces = ["a", "Ω", "👋", ",", '"', "\n", "\r\n", "\r", " ", "x,y", '""', "é"];
    for (const newline of ["\n", "\r\n", "\r"] as Newline[]) {
      const rows = Array.from({ length: 40 }, () =>
        Array.from({ length: 1 + random(4) }, () =>
          Array.from({ length: random(5) }, () => pieces[random(pieces.length)]).join(""),
        ),
      );
      const quote = (cell: string) => (/[",\r\n]/.test(cell) || cell === "" ? `"${cell.replaceAll('"', '""')}"` : cell);
      const text = rows.map((row) => row.map(quote).join(",")).join(newline) + newline;
      const bytes = new TextEncoder().encode(text);
      for (const step of [1, 7, 4096]) {
        const got = records(bytes, step);
        expect(
          got.map((r) => r.cells),
          `${JSON.stringify(newline)} step ${step}`,
        ).toEqual(rows);
        expect(got.at(-1)?.end).toBe(bytes.length);
        // Resuming at any record's end reads the same records that follow it.
        const [middle] = got.slice(17, 18);
        expect(records(bytes, step, { offset: middle?.end ?? 0, lines: middle?.lines ?? 0 })).toEqual(got.slice(18));
      }
    }
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
