import { z } from "@hono/zod-openapi";
import { fieldError } from "../errors";

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

export const PageQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .default(DEFAULT_PAGE_SIZE)
    .openapi({ description: `Page size, 1–${MAX_PAGE_SIZE}` }),
  cursor: z.string().max(200).optional().openapi({ description: "`nextCursor` from the previous page" }),
});

export const page = <T extends z.ZodType>(item: T) =>
  z.object({
    data: z.array(item),
    nextCursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page; null on the last" }),
  });

// Cursors are opaque to clients (base64url of the last row's sort key) so the sort key can change
// without breaking them.
export function encodeCursor(key: string | number): string {
  return btoa(JSON.stringify(key)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** `from`: where the cursor was read, named in the error (retrieve calls also take it in a JSON body). */
export function decodeCursor<T extends "string" | "number">(
  cursor: string | undefined,
  kind: T,
  from: "query" | "body" = "query",
) {
  if (cursor === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(atob(cursor.replaceAll("-", "+").replaceAll("_", "/")));
    if (typeof value === kind) return value as T extends "string" ? string : number;
  } catch {
    // fall through to the error below
  }
  throw fieldError("cursor", "is not a cursor this API returned", from);
}

/** Takes `limit + 1` rows and splits them into a page and the cursor of the next. */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  keyOf: (row: Row) => string | number,
  map: (row: Row) => Item,
) {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows.at(-1);
  return {
    data: pageRows.map(map),
    nextCursor: hasMore && last !== undefined ? encodeCursor(keyOf(last)) : null,
  };
}
