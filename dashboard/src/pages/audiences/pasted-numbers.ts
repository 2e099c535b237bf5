import type { Contact } from "../../../../src/client/types";

/** The API takes at most this many contacts per call; larger lists go through an import. */
export const MAX_PASTED = 1000;

/**
 * One contact per non-empty line: `number` or `number, name` (a spreadsheet column pastes as
 * lines; a tab works like the comma). The API checks the numbers themselves.
 */
export function parseNumbers(text: string): { contacts: Contact[]; lines: number[] } {
  const contacts: Contact[] = [];
  const lines: number[] = [];
  text.split(/\r\n|\n|\r/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const [number = "", ...rest] = line.split(/[,\t]/);
    const name = rest.join(",").trim();
    contacts.push(name ? { number: number.trim(), name } : { number: number.trim() });
    lines.push(i + 1);
  });
  return { contacts, lines };
}
