import type { ImportReject, ImportRejectsResponse } from "../../../../src/client/types";
import { get, query } from "../../api";

const PAGE = 500;

/** Every rejected row of an import, page after page (the API keeps the first 100,000). */
export async function allRejects(importId: string): Promise<ImportReject[]> {
  const rows: ImportReject[] = [];
  let cursor: string | undefined;
  do {
    const page = await get<ImportRejectsResponse>(
      `/v1/imports/${encodeURIComponent(importId)}/rejects${query({ limit: PAGE, cursor })}`,
    );
    rows.push(...page.rejects);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return rows;
}

const cell = (v: string | number | null) => {
  const s = v === null ? "" : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

export const rejectsCsv = (rows: ImportReject[]) =>
  `line,number,reason\r\n${rows.map((r) => [r.line, r.number, r.reason].map(cell).join(",")).join("\r\n")}\r\n`;

/** Saves the rejects as a CSV file through a Blob link: nothing sensitive goes in a URL. */
export async function downloadRejects(importId: string) {
  const blob = new Blob([rejectsCsv(await allRejects(importId))], { type: "text/csv" });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = `${importId}-rejects.csv`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
