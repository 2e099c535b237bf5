import { FieldName, MAX_FIELDS } from "../variable-groups/schemas";

export type ImportKind = "audience" | "variable_group";

/** Header names of the column holding the phone number, compared after `normalise`. */
export const NUMBER_COLUMNS = ["number", "phone", "phone_number", "mobile", "whatsapp"] as const;

/** Where a file's columns go. */
export interface Layout {
  kind: ImportKind;
  /** Cells in the header row. */
  width: number;
  number: number;
  /** Audiences: the columns filling the contact's name and source. */
  name: number | null;
  source: number | null;
  /** Variable groups: every other named column, as a variable. */
  fields: { index: number; name: string }[];
  /** Audiences: named columns that go nowhere. */
  ignored: string[];
}

export type HeaderResult = { ok: true; layout: Layout } | { ok: false; error: string };

const clean = (cell: string) => cell.replace(/^\uFEFF/, "").trim();
const normalise = (cell: string) =>
  clean(cell)
    .toLowerCase()
    .replace(/[\s-]+/g, "_");

/**
 * The variable a header cell names: trimmed, spaces and hyphens made underscores (`First Name` →
 * `First_Name`). It must then be a FieldName, as in a JSON request; anything else is refused
 * rather than silently renamed.
 */
export const toFieldName = (cell: string) => clean(cell).replace(/[\s-]+/g, "_");

/** Reads a header row; the error says what is wrong with it, for the client to fix the file. */
export function analyseHeader(cells: string[], kind: ImportKind): HeaderResult {
  const names = cells.map(normalise);
  const number = NUMBER_COLUMNS.map((n) => names.indexOf(n)).find((i) => i !== -1);
  if (number === undefined) {
    return {
      ok: false,
      error: `the header row has no phone number column (name one ${NUMBER_COLUMNS.join(", ")})`,
    };
  }
  const layout: Layout = { kind, width: cells.length, number, name: null, source: null, fields: [], ignored: [] };
  const seen = new Set<string>();
  for (const [index, cell] of cells.entries()) {
    if (index === number || clean(cell) === "") continue;
    if (kind === "audience") {
      if (names[index] === "name" && layout.name === null) layout.name = index;
      else if (names[index] === "source" && layout.source === null) layout.source = index;
      else layout.ignored.push(clean(cell));
      continue;
    }
    const field = toFieldName(cell);
    const checked = FieldName.safeParse(field);
    if (!checked.success) {
      return {
        ok: false,
        error: `column "${clean(cell)}" is not a valid variable name: ${checked.error.issues[0]?.message}`,
      };
    }
    if (seen.has(field)) return { ok: false, error: `column "${field}" appears twice in the header row` };
    seen.add(field);
    layout.fields.push({ index, name: field });
  }
  if (kind === "variable_group" && layout.fields.length === 0) {
    return { ok: false, error: "the header row names no variables besides the phone number column" };
  }
  if (layout.fields.length > MAX_FIELDS) {
    return {
      ok: false,
      error: `the header row names more than ${MAX_FIELDS} variables (a variable group has at most ${MAX_FIELDS} fields)`,
    };
  }
  return { ok: true, layout };
}
