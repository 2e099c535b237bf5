// POST /{phone-number-id}/media: Meta's media upload. A multipart form with `messaging_product`
// ("whatsapp"), `type` (the file's MIME type) and `file`; the answer is `{id}`, a media id a send
// may name instead of a link for 30 days. The stand-in keeps what was uploaded (its type, size and
// name, not its bytes) so tests can read it back from GET /__standin/media.

import { graphError, invalidParameter, unauthorized, unknownObject } from "./errors.ts";
import { json, randomDigits } from "./http.ts";
import { injected, injectedResponse } from "./injections.ts";
import { authorized, type Store } from "./state.ts";

const MiB = 1024 * 1024;

/** Meta's supported media types and their limits (Cloud API › Media › Supported media types). */
const LIMITS: Record<string, number> = {
  "image/jpeg": 5 * MiB,
  "image/png": 5 * MiB,
  "image/webp": 500 * 1024,
  "video/mp4": 16 * MiB,
  "video/3gpp": 16 * MiB,
  "audio/aac": 16 * MiB,
  "audio/amr": 16 * MiB,
  "audio/mpeg": 16 * MiB,
  "audio/mp4": 16 * MiB,
  "audio/ogg": 16 * MiB,
  "text/plain": 100 * MiB,
  "application/pdf": 100 * MiB,
  "application/msword": 100 * MiB,
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": 100 * MiB,
  "application/vnd.ms-excel": 100 * MiB,
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": 100 * MiB,
  "application/vnd.ms-powerpoint": 100 * MiB,
  "application/vnd.openxmlformats-officedocument.presentationml.presentation": 100 * MiB,
};

export async function uploadMedia(store: Store, request: Request, url: URL, phoneNumberId: string): Promise<Response> {
  const state = store.byPhone.get(phoneNumberId);
  if (!state) return unknownObject(phoneNumberId, request.method);
  if (!authorized(request, url, state.account)) return unauthorized();
  const injection = injected(state, "media");
  if (injection) return injectedResponse(injection);

  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    return invalidParameter("the upload must be a multipart/form-data body");
  }
  if (form.get("messaging_product") !== "whatsapp") {
    return invalidParameter(
      "messaging_product is required and must be whatsapp",
      "(#100) The parameter messaging_product is required",
    );
  }
  const file = form.get("file");
  if (file === null || typeof file === "string")
    return invalidParameter("file is required", "(#100) The parameter file is required");
  const type = form.get("type");
  if (typeof type !== "string" || type === "")
    return invalidParameter("type is required", "(#100) The parameter type is required");
  const limit = LIMITS[type.toLowerCase()];
  if (limit === undefined) return graphError(131053, { details: `Unsupported file type ${type}` });
  if (file.size === 0 || file.size > limit) {
    return graphError(131053, { details: `The file is ${file.size} bytes; ${type} takes 1 to ${limit}` });
  }
  const id = randomDigits(16);
  state.media.push({ id, type, bytes: file.size, filename: file.name || null, uploadedAt: Date.now() });
  return json({ id });
}
