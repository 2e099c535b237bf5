// CSV imports into audiences and variable groups, and what they report while they run.
import type { IsoDate } from "./common.js";

/**
 * A CSV file: a `Blob`/`File`, its text, or a stream of its bytes. A stream is read into a Blob
 * before sending, since a multipart body needs it whole on most runtimes.
 */
export type CsvFile = Blob | string | ReadableStream<Uint8Array>;

export interface AudienceFileRequest {
  id: string;
  name: string;
  file: CsvFile;
  /** File name sent with the part (default `upload.csv`, or the File's own name). */
  filename?: string;
}

export interface VariableGroupFileRequest extends AudienceFileRequest {
  /** Also creates (or fills) this audience with the file's numbers. */
  audienceId?: string;
}

export interface Import {
  id: string;
  kind: "audience" | "variable_group";
  status: "queued" | "running" | "completed" | "failed";
  audienceId: string | null;
  groupId: string | null;
  rowsDone: number;
  rowsRejected: number;
  bytesRead: number;
  bytesTotal: number | null;
  /** bytesRead / bytesTotal, 0..1. */
  progress: number;
  /** Audiences: header columns other than the number, `name` and `source`, which are not imported. */
  ignoredColumns: string[];
  /** Why a failed import stopped. */
  error: string | null;
  createdAt: IsoDate;
  finishedAt: IsoDate | null;
}

export interface ImportResponse {
  status: "success";
  import: Import;
}

export interface ImportReject {
  /** 1-based line of the file the row starts on. */
  line: number;
  /** The number cell as written, if any. */
  number: string | null;
  reason: string;
}

export interface ImportDetail extends Import {
  /** The first 20 rejected rows; all of them through `retrieveImportRejects`. */
  rejects: ImportReject[];
}

export interface ImportDetailResponse {
  status: "success";
  import: ImportDetail;
}

export interface ImportsResponse {
  status: "success";
  imports: Import[];
  nextCursor: string | null;
}

export interface ImportRejectsResponse {
  status: "success";
  rejects: ImportReject[];
  nextCursor: string | null;
}
