// papaparse, not csv-parse: csv-parse's streaming entries need Node's `Buffer` and
// `node:stream/web` (this Worker runs without nodejs_compat), and its browser build carries an old
// Buffer polyfill that refuses plain Uint8Arrays. papaparse is plain JavaScript with no runtime
// dependencies, and its core parser (`Papa.Parser`) parses a string incrementally: told that the
// input may end mid-record, it stops before that record and reports, per record, the character
// offset just past it. That offset is what lets an import resume at an exact byte position.
import Papa from "papaparse";

export type Newline = "\n" | "\r\n" | "\r";

/** One CSV record and where it lies in the file. */
export interface CsvRecord {
  cells: string[];
  /** 1-based line the record starts on, counting physical lines (a quoted newline starts one). */
  line: number;
  /** Byte offset just past the record and its line break: where reading may resume. */
  end: number;
  /** Line breaks consumed up to `end`. */
  lines: number;
  /** The file ended inside a quoted cell. */
  unterminated: boolean;
}

export class RecordTooLongError extends Error {}
export class NotUtf8Error extends Error {}

/** The line break a file uses, from its first one; null until one (or the end) has been seen. */
export function detectNewline(text: string, ended: boolean): Newline | null {
  const lf = text.indexOf("\n");
  const cr = text.indexOf("\r");
  if (cr === -1) return lf === -1 ? (ended ? "\n" : null) : "\n";
  if (lf !== -1 && lf < cr) return "\n";
  if (cr === text.length - 1) return ended ? "\r" : null;
  return text[cr + 1] === "\n" ? "\r\n" : "\r";
}

/**
 * The line break a resumed read continues with, from the (up to) two bytes just before the
 * resume offset: a record always ends with the file's line break.
 */
export function newlineBefore(bytes: Uint8Array): Newline | null {
  const last = bytes.at(-1);
  if (last === 0x0d) return "\r";
  if (last !== 0x0a) return null;
  return bytes.at(-2) === 0x0d ? "\r\n" : "\n";
}

/**
 * Turns bytes, pushed as they arrive, into CSV records with their line numbers and byte offsets.
 * Holds only the text of records not yet complete, up to `maxRecordChars`.
 */
export class CsvRecordReader {
  #decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  #text = "";
  #ended = false;
  #newline: Newline | null;
  #offset: number;
  #lines: number;
  readonly #maxRecordChars: number;

  constructor(start: { offset: number; lines: number; newline: Newline | null; maxRecordChars: number }) {
    this.#offset = start.offset;
    this.#lines = start.lines;
    this.#newline = start.newline;
    this.#maxRecordChars = start.maxRecordChars;
  }

  /** Every byte pushed has been read as records. */
  get finished() {
    return this.#ended && this.#text.length === 0;
  }

  /** The line break to split records on, when known from elsewhere (a resumed read). */
  useNewline(newline: Newline) {
    this.#newline = newline;
  }

  /** More bytes of the file; null at its end. */
  push(bytes: Uint8Array | null) {
    try {
      // The BOM stays in the text (ignoreBOM) so that byte offsets count its three bytes.
      this.#text += bytes === null ? this.#decoder.decode() : this.#decoder.decode(bytes, { stream: true });
    } catch {
      throw new NotUtf8Error("the file is not UTF-8 text (save it as “CSV UTF-8”)");
    }
    if (bytes === null) this.#ended = true;
    this.#newline ??= detectNewline(this.#text, this.#ended);
    if (!this.#ended && this.#text.length > this.#maxRecordChars) {
      throw new RecordTooLongError(
        `a record is longer than ${this.#maxRecordChars} characters (is a quoted cell left open?)`,
      );
    }
  }

  /**
   * Reads the complete records buffered so far, handing each to `onRecord` until it returns false.
   * Returns true when `onRecord` stopped it (records may remain buffered), false when it needs more bytes.
   */
  read(onRecord: (record: CsvRecord) => boolean): boolean {
    const newline = this.#newline;
    if (newline === null || this.#text.length === 0) return false;
    const text = this.#text;
    const counted = newline === "\r" ? 0x0d : 0x0a;
    let consumed = 0;
    let stopped = false;
    const parser = new Papa.Parser({
      delimiter: ",",
      newline,
      step: (result) => {
        const end = result.meta.cursor;
        const line = this.#lines + 1;
        let bytes = 0;
        let breaks = 0;
        for (let i = consumed; i < end; i++) {
          const c = text.charCodeAt(i);
          if (c < 0x80) {
            bytes += 1;
            if (c === counted) breaks += 1;
          } else if (c < 0x800) bytes += 2;
          else if (c >= 0xd800 && c <= 0xdbff) {
            bytes += 4;
            i += 1;
          } else bytes += 3;
        }
        consumed = end;
        this.#offset += bytes;
        this.#lines += breaks;
        const record: CsvRecord = {
          cells: result.data[0] ?? [],
          line,
          end: this.#offset,
          lines: this.#lines,
          unterminated: result.errors.some((e) => e.code === "MissingQuotes"),
        };
        if (!onRecord(record)) {
          stopped = true;
          parser.abort();
        }
      },
    });
    parser.parse(text, 0, !this.#ended);
    this.#text = text.slice(consumed);
    return stopped;
  }
}
