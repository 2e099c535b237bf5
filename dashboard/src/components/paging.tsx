import { useState } from "preact/hooks";

export interface Cursor {
  /** The page to load: undefined for the first. */
  cursor: string | undefined;
  next: (cursor: string) => void;
  reset: () => void;
}

/** Forward paging over the API's opaque cursors (`nextCursor`), with a way back to the first page. */
export function useCursor(): Cursor {
  const [cursor, setCursor] = useState<string>();
  return { cursor, next: setCursor, reset: () => setCursor(undefined) };
}

export function Pager({ next, paging }: { next: string | null | undefined; paging: Cursor }) {
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" disabled={paging.cursor === undefined} onClick={paging.reset}>
        First page
      </button>
      <button type="button" disabled={!next} onClick={() => next && paging.next(next)}>
        Next page
      </button>
    </nav>
  );
}

/** The row a table shows when it has none. */
export const EmptyRow = ({ columns, children }: { columns: number; children: string }) => (
  <tr>
    <td colSpan={columns} class="muted">
      {children}
    </td>
  </tr>
);
