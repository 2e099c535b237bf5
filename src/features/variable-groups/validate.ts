import { type FieldErrors, parseNumber } from "../audiences/numbers";
import { MAX_FIELDS } from "./schemas";

/** The group's fields after adding `added`: existing ones first, in order, then the new ones. */
export function unionFields(existing: string[], added: string[], errors: FieldErrors): string[] {
  const fields = [...new Set([...existing, ...added])];
  if (fields.length > MAX_FIELDS) {
    errors.add("fields", `a group has at most ${MAX_FIELDS} fields; this would make ${fields.length}`);
  }
  return fields;
}

/**
 * Rows of values keyed by E.164 number, every value as text. Keys other than `number` must be
 * fields of the group (`values.<i>.<key>` otherwise); rows of one number, in any spelling, are
 * merged with later values winning, as the store would merge them.
 */
export function parseValues(
  rows: Record<string, string | number>[],
  fields: string[],
  errors: FieldErrors,
): { number: string; values: Record<string, string> }[] {
  const known = new Set(fields);
  const byNumber = new Map<string, Record<string, string>>();
  rows.forEach((row, i) => {
    const number = parseNumber(row.number as string | number, `values.${i}.number`, errors);
    // A null-prototype object: keys come from the client.
    const values: Record<string, string> = Object.create(null);
    for (const [key, value] of Object.entries(row)) {
      if (key === "number") continue;
      if (!known.has(key)) {
        errors.add(`values.${i}.${key}`, `is not a field of this group (its fields: ${fields.join(", ") || "none"})`);
        continue;
      }
      values[key] = String(value);
    }
    if (number !== null) byNumber.set(number, Object.assign(byNumber.get(number) ?? Object.create(null), values));
  });
  return [...byNumber].map(([number, values]) => ({ number, values: { ...values } }));
}
