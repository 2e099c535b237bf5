// The cells of a record, by the same rules as the record reader's scan (csv.ts): a quote opens a
// quoted cell only at the cell's start, `""` inside one is a quote, and what follows a closing quote
// up to the comma is kept, as spreadsheets are lenient there.

const QUOTE = 0x22;

/** The cells of one record's text (its line break left off), by the same rules as the scan. */
export function splitRecord(text: string, quoted: boolean): string[] {
  // Most records have no quote at all; split is the fastest way through those.
  if (!quoted) return text.split(",");
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    if (text.charCodeAt(i) === QUOTE) {
      let cell = "";
      let from = i + 1;
      for (;;) {
        const close = text.indexOf('"', from);
        if (close === -1) {
          // Only the file's last record can end inside quotes; its cell runs to the end.
          cells.push(cell + text.slice(from));
          return cells;
        }
        cell += text.slice(from, close);
        if (text.charCodeAt(close + 1) === QUOTE) {
          cell += '"';
          from = close + 2;
          continue;
        }
        i = close + 1;
        break;
      }
      const comma = text.indexOf(",", i);
      cells.push(cell + text.slice(i, comma === -1 ? text.length : comma));
      if (comma === -1) return cells;
      i = comma + 1;
    } else {
      const comma = text.indexOf(",", i);
      cells.push(text.slice(i, comma === -1 ? text.length : comma));
      if (comma === -1) return cells;
      i = comma + 1;
    }
  }
}
