import type { CsvFile } from "./types/index.js";

const DEFAULT_FILENAME = "upload.csv";

/** The multipart body of a CSV upload: `file` plus the text fields, in the documented names. */
export async function csvForm(
  file: CsvFile,
  filename: string | undefined,
  fields: Record<string, string | undefined>,
): Promise<FormData> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined) form.append(name, value);
  }
  const blob = await toBlob(file);
  const ownName = typeof File !== "undefined" && file instanceof File ? file.name : undefined;
  form.append("file", blob, filename ?? (ownName || DEFAULT_FILENAME));
  return form;
}

async function toBlob(file: CsvFile): Promise<Blob> {
  if (typeof file === "string") return new Blob([file], { type: "text/csv" });
  if (file instanceof Blob) return file.type ? file : new Blob([file], { type: "text/csv" });
  // FormData takes only Blobs and strings, and browsers cannot stream a request body anyway.
  return new Response(file, { headers: { "content-type": "text/csv" } }).blob();
}
