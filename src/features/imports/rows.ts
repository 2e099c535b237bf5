import { toE164 } from "../../platform/phone";
import type { Layout } from "./header";

export const MAX_VALUE_CHARS = 1024;
export const MAX_CONTACT_TEXT_CHARS = 256;

export interface AcceptedRow {
  number: string;
  name: string | null;
  source: string | null;
  values: Record<string, string>;
}

export type RowOutcome =
  | { kind: "blank" }
  | { kind: "accepted"; row: AcceptedRow }
  | { kind: "rejected"; number: string | null; reason: string };

const reject = (number: string | null, reason: string): RowOutcome => ({ kind: "rejected", number, reason });

/** Decides what one data record becomes: skipped (blank), imported, or rejected with a reason. */
export function evaluateRow(layout: Layout, cells: string[], unterminated: boolean): RowOutcome {
  // Spreadsheets export empty rows as blank lines or as a run of commas.
  if (cells.every((cell) => cell.trim() === "")) return { kind: "blank" };
  const rawNumber = (cells[layout.number] ?? "").trim();
  const shown = rawNumber === "" ? null : rawNumber.slice(0, 64);
  if (unterminated) return reject(shown, "a quoted cell is not closed before the end of the file");
  if (cells.slice(layout.width).some((cell) => cell.trim() !== "")) {
    return reject(shown, `the row has ${cells.length} cells; the header has ${layout.width}`);
  }
  if (rawNumber === "") return reject(null, "number is missing");
  const number = toE164(rawNumber);
  if (!number) return reject(shown, "number is not a valid phone number");

  const cell = (index: number | null) => (index === null ? "" : (cells[index] ?? "").trim());
  const values: Record<string, string> = {};
  const missing: string[] = [];
  for (const field of layout.fields) {
    const value = cell(field.index);
    if (value === "") missing.push(field.name);
    else if (value.length > MAX_VALUE_CHARS)
      return reject(shown, `${field.name} is longer than ${MAX_VALUE_CHARS} characters`);
    else values[field.name] = value;
  }
  if (missing.length > 0) return reject(shown, `missing value for ${missing.join(", ")}`);
  const name = cell(layout.name);
  const source = cell(layout.source);
  for (const [label, text] of [
    ["name", name],
    ["source", source],
  ] as const) {
    if (text.length > MAX_CONTACT_TEXT_CHARS) {
      return reject(shown, `${label} is longer than ${MAX_CONTACT_TEXT_CHARS} characters`);
    }
  }
  return { kind: "accepted", row: { number, name: name || null, source: source || null, values } };
}

/**
 * Accepted rows waiting to be written, one per number: a number seen again is merged into the
 * first, later values winning field by field (an empty name or source keeps the earlier one).
 */
export class MergedRows {
  readonly #rows = new Map<string, AcceptedRow>();

  get size() {
    return this.#rows.size;
  }

  add(row: AcceptedRow) {
    const earlier = this.#rows.get(row.number);
    if (!earlier) {
      this.#rows.set(row.number, { ...row, values: { ...row.values } });
      return;
    }
    earlier.name = row.name ?? earlier.name;
    earlier.source = row.source ?? earlier.source;
    Object.assign(earlier.values, row.values);
  }

  rows(): AcceptedRow[] {
    return [...this.#rows.values()];
  }
}
