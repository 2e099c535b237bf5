import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { call, db } from "../helpers";

/** A small valid-looking JPEG: the library checks the declared type and the size, not the pixels. */
export const jpeg = (bytes = 1200) => {
  const data = new Uint8Array(bytes);
  data.set([0xff, 0xd8, 0xff, 0xe0]);
  return data;
};

/** Adds a file through the multipart route; answers the call. */
export function uploadForm(key: string, file: Blob, name: string, extra: Record<string, string> = {}) {
  const form = new FormData();
  form.set("file", file, name);
  for (const [k, v] of Object.entries(extra)) form.set(k, v);
  return call("POST", "/v1/media/from/file", { key, raw: form });
}

/** Adds a JPEG and expects it stored; answers the file. */
export async function addedImage(key: string, name = "promo.jpg") {
  const added = await uploadForm(key, new Blob([jpeg()], { type: "image/jpeg" }), name);
  expect(added.status, JSON.stringify(added.body)).toBe(201);
  return added.body as { id: string; whatsapp: { mediaId: string; uploadedAt: string; expiresAt: string } };
}

/** Moves a file's upload into the past, as if it had been made `daysAgo` days ago. */
export async function ageUpload(fileId: string, daysAgo: number) {
  await env.DB.prepare("UPDATE media_files SET uploaded_at = ? WHERE id = ?")
    .bind(Date.now() - daysAgo * 24 * 60 * 60 * 1000, fileId)
    .run();
}

export async function mediaRow(fileId: string) {
  return env.DB.prepare("SELECT * FROM media_files WHERE id = ?").bind(fileId).first<Record<string, unknown>>();
}

export const r2Keys = async (projectId: string) =>
  (await env.FILES.list({ prefix: `media/${projectId}/` })).objects.map((o) => o.key);

export { db };
