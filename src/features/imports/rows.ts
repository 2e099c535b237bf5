import { toE164 } from "../../platform/phone";
import type { Layout } from "./header";

export const MAX_VALUE_CHARS = 1024;
export const MAX_CONTACT_TEXT_CHARS = 256;

/**
 * An imported row as it is written: `[number, name, source]` for an audience, `[number, ...values]`
 * for a variable group (the values in the order of the layout's fields). Positions rather than
 * named values keep a batch's JSON, and the D1 request that carries it, small; the statements name
 * the fields (writes.ts).
 */
export type AcceptedRow = [number: string, ...rest: (string | null)[]];

/** A rejected row as stored: its line, its number as written (or null), and why. */
export interface Reject {
  line: number;
  number: string | null;
  reason: string;
}

export type RowOutcome =
  | { kind: "blank" }
  | { kind: "accepted"; row: AcceptedRow }
  | { kind: "rejected"; number: string | null; reason: string };

const reject = (number: string | null, reason: string): RowOutcome => ({ kind: "rejected", number, reason });

const isBlank = (cells: string[], from: number) => {
  for (let i = from; i < cells.length; i++) if ((cells[i] as string).trim() !== "") return false;
  return true;
};

/** Decides what one data record becomes: skipped (blank), imported, or rejected with a reason. */
export function evaluateRow(layout: Layout, cells: string[], unterminated: boolean): RowOutcome {
  // Spreadsheets export empty rows as blank lines or as a run of commas.
  if (isBlank(cells, 0)) return { kind: "blank" };
  const rawNumber = (cells[layout.number] ?? "").trim();
  const shown = rawNumber === "" ? null : rawNumber.slice(0, 64);
  if (unterminated) return reject(shown, "a quoted cell is not closed before the end of the file");
  if (!isBlank(cells, layout.width)) {
    return reject(shown, `the row has ${cells.length} cells; the header has ${layout.width}`);
  }
  if (rawNumber === "") return reject(null, "number is missing");
  const number = toE164(rawNumber);
  if (!number) return reject(shown, "number is not a valid phone number");

  const name = cellAt(cells, layout.name);
  if (name.length > MAX_CONTACT_TEXT_CHARS) {
    return reject(shown, `name is longer than ${MAX_CONTACT_TEXT_CHARS} characters`);
  }
  const source = cellAt(cells, layout.source);
  if (source.length > MAX_CONTACT_TEXT_CHARS) {
    return reject(shown, `source is longer than ${MAX_CONTACT_TEXT_CHARS} characters`);
  }
  if (layout.kind === "audience") return { kind: "accepted", row: [number, name || null, source || null] };
  // Sized once: a million rows pushed onto a short array would each grow it.
  const row = new Array(1 + layout.fields.length) as AcceptedRow;
  row[0] = number;
  for (let i = 0; i < layout.fields.length; i++) {
    const field = layout.fields[i] as Layout["fields"][number];
    const value = cellAt(cells, field.index);
    if (value === "" || value.length > MAX_VALUE_CHARS) return rejectValues(layout, cells, shown);
    row[1 + i] = value;
  }
  return { kind: "accepted", row };
}

const cellAt = (cells: string[], index: number | null) => (index === null ? "" : (cells[index] ?? "").trim());

/** Why a row's values are refused: the first one too long, or else every one missing. */
function rejectValues(layout: Layout, cells: string[], shown: string | null): RowOutcome {
  const missing: string[] = [];
  for (const field of layout.fields) {
    const value = cellAt(cells, field.index);
    if (value.length > MAX_VALUE_CHARS)
      return reject(shown, `${field.name} is longer than ${MAX_VALUE_CHARS} characters`);
    if (value === "") missing.push(field.name);
  }
  return reject(shown, `missing value for ${missing.join(", ")}`);
}

// A batch's rows are held as the UTF-8 JSON of each, in one buffer outside the JS heap, rather
// than as objects: objects kept while thousands more rows are parsed outlive the garbage
// collector's young generation and are promoted, to wait on the old one for a full collection. The
// buffer is reused batch after batch and grows only to the largest (FLUSH_BYTES of the file, job.ts).
const INITIAL_BUFFER_BYTES = 64 * 1024;
const OPEN = 0x5b; // [
const CLOSE = 0x5d; // ]
const COMMA = 0x2c;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Accepted rows waiting for the next batch, in file order, as JSON lists of AcceptedRow of at most
 * `maxListBytes` bytes each, ready to bind as one statement parameter (writes.ts). A number given
 * twice is kept twice: the statements apply rows in file order, so later values win field by
 * field, as they would merged here.
 */
export class PendingRows {
  readonly #maxListBytes: number;
  #buffer = new Uint8Array(INITIAL_BUFFER_BYTES);
  #length = 0;
  /** Byte ranges of the lists closed so far; the open one starts at #listStart. */
  #closed: [number, number][] = [];
  #listStart = -1;
  #size = 0;

  constructor(maxListBytes: number) {
    this.#maxListBytes = maxListBytes;
  }

  /** Bytes of JSON held, lists' brackets and commas included. */
  get bytes() {
    return this.#length;
  }

  /** Rows added since the last clear. */
  get size() {
    return this.#size;
  }

  add(row: AcceptedRow) {
    const json = JSON.stringify(row);
    // A UTF-16 code unit takes at most 3 bytes of UTF-8; the separator and a closing bracket 2 more.
    const most = json.length * 3 + 2;
    if (this.#listStart >= 0 && this.#length + most - this.#listStart > this.#maxListBytes) this.#closeList();
    this.#reserve(most + 1);
    if (this.#listStart < 0) {
      this.#listStart = this.#length;
      this.#buffer[this.#length++] = OPEN;
    } else this.#buffer[this.#length++] = COMMA;
    this.#length += this.#encode(json);
    this.#size += 1;
  }

  /** The rows as JSON lists, in file order. */
  lists(): string[] {
    if (this.#listStart >= 0) this.#closeList();
    return this.#closed.map(([start, end]) => decoder.decode(this.#buffer.subarray(start, end)));
  }

  /** Empties it for the next batch, keeping the buffer. */
  clear() {
    this.#length = 0;
    this.#closed = [];
    this.#listStart = -1;
    this.#size = 0;
  }

  /** Writes `json` as UTF-8 at the end; most rows are ASCII, copied here without a view per row. */
  #encode(json: string) {
    const buffer = this.#buffer;
    const at = this.#length;
    for (let i = 0; i < json.length; i++) {
      const c = json.charCodeAt(i);
      if (c >= 0x80) return encoder.encodeInto(json, buffer.subarray(at)).written;
      buffer[at + i] = c;
    }
    return json.length;
  }

  #closeList() {
    this.#buffer[this.#length++] = CLOSE;
    this.#closed.push([this.#listStart, this.#length]);
    this.#listStart = -1;
  }

  #reserve(bytes: number) {
    if (this.#length + bytes <= this.#buffer.length) return;
    const grown = new Uint8Array(Math.max(this.#buffer.length * 2, this.#length + bytes));
    grown.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = grown;
  }
}
