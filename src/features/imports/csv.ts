// A CSV reader of our own (RFC 4180) that works on the file's bytes, one record at a time, rather
// than papaparse's core parser: that parser takes the text of a whole read at once and splits it
// into every line before the first record is handed over, so what it makes lives as long as a read
// takes to check and write, long enough for V8 to move it out of the young generation, where it
// piles up until a full collection. This reader keeps only the bytes of the record under way (in a
// buffer outside the JavaScript heap), decodes a record when it is complete and hands it over, so
// everything it makes is garbage before the next record. Working on bytes also gives each record's
// exact byte offset, where an import resumes, without counting UTF-8 lengths.

import { splitRecord } from "./csv-cells";

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

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;

/** Where the scan of a record stands, in RFC 4180's terms. */
enum Cell {
  /** At the start of a cell: a quote here opens a quoted cell. */
  Start,
  /** Inside an unquoted cell: a quote is an ordinary character. */
  Plain,
  /** Inside a quoted cell: commas and line breaks are part of it. */
  Quoted,
  /** Just past a quote inside a quoted cell: another quote is an escaped one, anything else ends the quoting. */
  QuoteSeen,
}

/**
 * The line break a file uses, from its first one outside a quoted cell; null until one (or the
 * end) has been seen.
 */
export function detectNewline(bytes: Uint8Array, ended: boolean): Newline | null {
  let cell = Cell.Start;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (cell === Cell.Quoted) {
      if (byte === QUOTE) cell = Cell.QuoteSeen;
    } else if (byte === QUOTE) {
      cell = cell === Cell.Plain ? Cell.Plain : Cell.Quoted;
    } else if (byte === COMMA) {
      cell = Cell.Start;
    } else if (byte === LF) {
      return "\n";
    } else if (byte === CR) {
      if (i + 1 === bytes.length) return ended ? "\r" : null;
      return bytes[i + 1] === LF ? "\r\n" : "\r";
    } else {
      cell = Cell.Plain;
    }
  }
  return ended ? "\n" : null;
}

/**
 * The line break a resumed read continues with, from the (up to) two bytes just before the
 * resume offset: a record always ends with the file's line break.
 */
export function newlineBefore(bytes: Uint8Array): Newline | null {
  const last = bytes.at(-1);
  if (last === CR) return "\r";
  if (last !== LF) return null;
  return bytes.at(-2) === CR ? "\r\n" : "\n";
}

const INITIAL_BUFFER_BYTES = 64 * 1024;

/**
 * Turns bytes, pushed as they arrive, into CSV records with their line numbers and byte offsets.
 * Holds only the bytes of the record under way (and of records pushed but not yet read), up to
 * `maxRecordBytes` for one record.
 */
export class CsvRecordReader {
  readonly #decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  readonly #maxRecordBytes: number;
  #buffer = new Uint8Array(INITIAL_BUFFER_BYTES);
  #length = 0;
  #ended = false;
  #newline: Newline | null;
  /** The file offset of #buffer[0]. */
  #base: number;
  /** Line breaks before #start. */
  #lines: number;
  // The record under way: where it starts in #buffer, how far it has been scanned, and what the scan found.
  #start = 0;
  #scanned = 0;
  #cell = Cell.Start;
  #quoted = false;
  #breaks = 0;

  constructor(start: { offset: number; lines: number; newline: Newline | null; maxRecordBytes: number }) {
    this.#base = start.offset;
    this.#lines = start.lines;
    this.#newline = start.newline;
    this.#maxRecordBytes = start.maxRecordBytes;
  }

  /** Every byte pushed has been read as records. */
  get finished() {
    return this.#ended && this.#start === this.#length;
  }

  /** The line break to split records on, when known from elsewhere (a resumed read). */
  useNewline(newline: Newline) {
    this.#newline = newline;
  }

  /** More bytes of the file (copied: the caller may reuse its buffer); null at its end. */
  push(bytes: Uint8Array | null) {
    if (bytes === null) {
      this.#ended = true;
    } else {
      this.#append(bytes);
    }
    this.#newline ??= detectNewline(this.#buffer.subarray(this.#start, this.#length), this.#ended);
    if (!this.#ended && this.#length - this.#start > this.#maxRecordBytes) {
      throw new RecordTooLongError(
        `a record is longer than ${this.#maxRecordBytes} bytes (is a quoted cell left open?)`,
      );
    }
  }

  /**
   * Reads the complete records pushed so far, handing each to `onRecord` until it returns false.
   * Returns true when `onRecord` stopped it (records may remain unread), false when it needs more bytes.
   */
  read(onRecord: (record: CsvRecord) => boolean): boolean {
    const newline = this.#newline;
    if (newline === null) return false;
    const counted = newline === "\r" ? CR : LF;
    const breakByte = newline === "\n" ? LF : CR;
    const crlf = newline === "\r\n";
    const buffer = this.#buffer;
    const length = this.#length;
    let i = this.#scanned;
    let cell = this.#cell;
    let quoted = this.#quoted;
    let breaks = this.#breaks;
    for (;;) {
      // The scan of one record: up to its line break, or to the end of what has been pushed.
      let contentEnd = -1;
      let recordEnd = -1;
      while (i < length) {
        const byte = buffer[i];
        if (byte === counted) breaks += 1;
        if (cell === Cell.Quoted) {
          if (byte === QUOTE) cell = Cell.QuoteSeen;
          i += 1;
          continue;
        }
        if (byte === QUOTE) {
          if (cell === Cell.Start) {
            cell = Cell.Quoted;
            quoted = true;
          } else if (cell === Cell.QuoteSeen) cell = Cell.Quoted;
          i += 1;
          continue;
        }
        if (byte === COMMA) {
          cell = Cell.Start;
          i += 1;
          continue;
        }
        if (byte === breakByte) {
          if (crlf) {
            if (i + 1 >= length) {
              if (this.#ended) {
                cell = Cell.Plain;
                i += 1;
                continue;
              }
              break;
            }
            if (buffer[i + 1] !== LF) {
              cell = Cell.Plain;
              i += 1;
              continue;
            }
            contentEnd = i;
            recordEnd = i + 2;
            breaks += 1;
          } else {
            contentEnd = i;
            recordEnd = i + 1;
          }
          break;
        }
        cell = Cell.Plain;
        i += 1;
      }
      const atEnd = recordEnd === -1;
      if (atEnd && !(this.#ended && i >= length && this.#start < length)) {
        // Not a whole record yet: keep the scan's state for when more bytes come.
        this.#scanned = i;
        this.#cell = cell;
        this.#quoted = quoted;
        this.#breaks = breaks;
        return false;
      }
      if (atEnd) {
        contentEnd = length;
        recordEnd = length;
      }
      const text = this.#decode(this.#start, contentEnd);
      const record: CsvRecord = {
        cells: splitRecord(text, quoted),
        line: this.#lines + 1,
        end: this.#base + recordEnd,
        lines: this.#lines + breaks,
        unterminated: atEnd && cell === Cell.Quoted,
      };
      this.#lines += breaks;
      this.#start = recordEnd;
      i = recordEnd;
      cell = Cell.Start;
      quoted = false;
      breaks = 0;
      this.#scanned = i;
      this.#cell = cell;
      this.#quoted = quoted;
      this.#breaks = breaks;
      if (!onRecord(record)) return true;
      if (this.#start >= length) return false;
    }
  }

  #decode(from: number, to: number) {
    try {
      return this.#decoder.decode(this.#buffer.subarray(from, to));
    } catch {
      throw new NotUtf8Error("the file is not UTF-8 text (save it as “CSV UTF-8”)");
    }
  }

  /** Appends `bytes` after the unread ones, first moving those to the front of the buffer. */
  #append(bytes: Uint8Array) {
    const unread = this.#length - this.#start;
    if (this.#start > 0) {
      this.#buffer.copyWithin(0, this.#start, this.#length);
      this.#base += this.#start;
      this.#scanned -= this.#start;
      this.#start = 0;
      this.#length = unread;
    }
    if (unread + bytes.length > this.#buffer.length) {
      const grown = new Uint8Array(Math.max(this.#buffer.length * 2, unread + bytes.length));
      grown.set(this.#buffer.subarray(0, unread));
      this.#buffer = grown;
    }
    this.#buffer.set(bytes, unread);
    this.#length = unread + bytes.length;
  }
}
