import type { ImportResponse } from "../../../../src/client/types";
import { ApiFailure, type FieldIssue } from "../../api";

export interface UploadTarget {
  kind: "audience" | "variable_group";
  id: string;
  name: string;
  audienceId?: string;
}

const ROUTES = {
  audience: "/v1/create/audience/from/file",
  variable_group: "/v1/create/variable/group/from/file",
};

/**
 * Posts the file with XMLHttpRequest rather than fetch: only XHR reports the request body's
 * progress (`upload.onprogress`), which is what a person watches on a large file. Same origin, so
 * the session cookie goes with it.
 */
export function uploadCsv(
  target: UploadTarget,
  file: File,
  onProgress: (sent: number, total: number) => void,
): { done: Promise<ImportResponse>; abort: () => void } {
  const xhr = new XMLHttpRequest();
  const form = new FormData();
  form.set("id", target.id);
  form.set("name", target.name);
  if (target.kind === "variable_group" && target.audienceId) form.set("audienceId", target.audienceId);
  // Fields first: the server takes them in any order, but a file last lets it check them early.
  form.set("file", file, file.name);
  const done = new Promise<ImportResponse>((resolve, reject) => {
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      let data: unknown = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        data = null;
      }
      if (xhr.status === 202 || xhr.status === 200) {
        resolve(data as ImportResponse);
        return;
      }
      const error = (data as { error?: { code?: string; message?: string; fields?: FieldIssue[] } } | null)?.error;
      reject(
        new ApiFailure(
          xhr.status,
          error?.code ?? "error",
          error?.message ?? `${xhr.status} ${xhr.statusText}`,
          error?.fields ?? [],
        ),
      );
    };
    xhr.onerror = () => reject(new Error("The upload failed: the connection was lost."));
    xhr.onabort = () => reject(new Error("The upload was cancelled."));
  });
  xhr.open("POST", ROUTES[target.kind]);
  xhr.send(form);
  return { done, abort: () => xhr.abort() };
}
