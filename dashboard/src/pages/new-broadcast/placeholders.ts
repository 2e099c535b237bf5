// The message's `{group.field}` variables, read as the API reads them: the field follows the last
// dot (group ids may hold dots), and a group is named by its name, else its id.

const SPAN = /\{([^{}]*)\}/g;

export interface Ref {
  group: string;
  field: string;
}

export function parseRef(inner: string): Ref | null {
  const dot = inner.lastIndexOf(".");
  if (dot < 0) return null;
  const group = inner.slice(0, dot).trim();
  const field = inner.slice(dot + 1).trim();
  return group && field ? { group, field } : null;
}

/** Each distinct reference once, in order of first appearance. */
export function refsOf(text: string): Ref[] {
  const seen = new Set<string>();
  const refs: Ref[] = [];
  for (const match of text.matchAll(SPAN)) {
    const ref = parseRef(match[1] ?? "");
    if (!ref) continue;
    const key = `${ref.group}.${ref.field}`;
    if (seen.has(key)) continue;
    seen.add(key);
    refs.push(ref);
  }
  return refs;
}

/** One piece of the rendered message: plain text, a filled value, or a variable with no value. */
export type Piece = { text: string } | { value: string; ref: string } | { missing: string };

/** The message for one recipient; `lookup` answers a reference's value, or undefined when it has none. */
export function render(text: string, lookup: (ref: Ref) => string | undefined): Piece[] {
  const pieces: Piece[] = [];
  let at = 0;
  for (const match of text.matchAll(SPAN)) {
    const start = match.index ?? 0;
    const ref = parseRef(match[1] ?? "");
    if (!ref) continue;
    if (start > at) pieces.push({ text: text.slice(at, start) });
    const key = `${ref.group}.${ref.field}`;
    const value = lookup(ref);
    pieces.push(value === undefined || value.trim() === "" ? { missing: key } : { value, ref: key });
    at = start + match[0].length;
  }
  if (at < text.length) pieces.push({ text: text.slice(at) });
  return pieces;
}
