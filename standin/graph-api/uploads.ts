// Meta's Resumable Upload API, as template media examples use it:
//   POST /{app-id}/uploads?file_name=&file_length=&file_type=   → {id: "upload:<session>"}
//   POST /upload:<session>   (Authorization: OAuth <token>, file_offset: 0, the bytes)  → {h: "<handle>"}
// The handle goes into a template's `example.header_handle`; the stand-in remembers the handles it
// answered (GET /__standin/media lists them), so a test can tell a real upload's handle from a
// made-up one. Templates naming a made-up handle are still taken: the product's own tests pass
// sample handles, where Meta would refuse them at review.

import { graphError, invalidParameter, unauthorized, unknownObject } from "./errors.ts";
import { json, randomToken } from "./http.ts";
import type { Store } from "./state.ts";
import type { AccountState } from "./types.ts";

const tokenOf = (request: Request, scheme: "Bearer" | "OAuth", url: URL) =>
  new RegExp(`^${scheme}\\s+(.+)$`, "i").exec(request.headers.get("authorization") ?? "")?.[1]?.trim() ??
  url.searchParams.get("access_token") ??
  "";

function accountOfApp(store: Store, appId: string): AccountState[] {
  return [...store.byPhone.values()].filter((s) => s.account.appId === appId);
}

/** POST /{app-id}/uploads: opens a session for one file. */
export function openUploadSession(store: Store, request: Request, url: URL, appId: string): Response {
  const states = accountOfApp(store, appId);
  if (states.length === 0) return unknownObject(appId, request.method);
  const token = tokenOf(request, "Bearer", url);
  const state = states.find((s) => s.account.accessToken === token);
  if (!state) return unauthorized();
  const fileLength = Number(url.searchParams.get("file_length"));
  const fileType = url.searchParams.get("file_type") ?? "";
  if (!Number.isInteger(fileLength) || fileLength <= 0)
    return invalidParameter("file_length must be a positive integer");
  if (!/^(image\/(jpeg|png)|video\/mp4|application\/pdf)$/.test(fileType)) {
    return invalidParameter(`file_type ${fileType || "(none)"} is not one a template example takes`);
  }
  const id = `upload:${randomToken(18)}`;
  state.uploadSessions.set(id, { fileLength, fileType });
  return json({ id });
}

/** POST /upload:<session>: takes the bytes from offset 0, answers the file handle. */
export async function uploadToSession(store: Store, request: Request, url: URL, id: string): Promise<Response> {
  const state = [...store.byPhone.values()].find((s) => s.uploadSessions.has(id));
  if (!state) return unknownObject(id, request.method);
  if (tokenOf(request, "OAuth", url) !== state.account.accessToken) return unauthorized();
  const session = state.uploadSessions.get(id) as { fileLength: number; fileType: string };
  if (request.headers.get("file_offset") !== "0") return invalidParameter("file_offset must be 0 for a new upload");
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength !== session.fileLength) {
    return graphError(100, { details: `the session announced ${session.fileLength} bytes; ${bytes.byteLength} came` });
  }
  state.uploadSessions.delete(id);
  const handle = `4::${btoa(session.fileType)}:${randomToken(24)}`;
  state.handles.add(handle);
  return json({ h: handle });
}
