import { get, query } from "../../api";
import type { VariableGroupValuesResponse } from "./types";

// The API has no route that renders a draft message for one contact, nor one that answers a single
// number's values, so the preview reads the group's values page by page (500 a page, kept for the
// next recipient) until it meets the number. A bound keeps a very large group from being read
// whole: past it the preview says the value was not found in what it read.
const PAGE = 500;
const MAX_PAGES = 8;

type Row = VariableGroupValuesResponse["values"][number];

interface GroupCache {
  rows: Map<string, Row>;
  cursor: string | null;
  pages: number;
  done: boolean;
}

export interface Lookup {
  /** The number's row of values, or null when the group has none for it. */
  row: Row | null;
  /** False when the bound stopped the search before the end of the group. */
  complete: boolean;
}

export function valueReader() {
  const cache = new Map<string, GroupCache>();
  return async function valuesOf(groupId: string, number: string): Promise<Lookup> {
    let group = cache.get(groupId);
    if (!group) {
      group = { rows: new Map(), cursor: null, pages: 0, done: false };
      cache.set(groupId, group);
    }
    while (!group.rows.has(number) && !group.done && group.pages < MAX_PAGES) {
      const page = await get<VariableGroupValuesResponse>(
        `/v1/retrieve/variable/group/values${query({ id: groupId, limit: PAGE, cursor: group.cursor })}`,
      );
      for (const row of page.values) group.rows.set(row.number, row);
      group.pages++;
      group.cursor = page.nextCursor;
      group.done = page.nextCursor === null;
    }
    return { row: group.rows.get(number) ?? null, complete: group.done || group.rows.has(number) };
  };
}
