import { z } from "@hono/zod-openapi";
import { iso } from "../../platform/time";
import { UPLOADED_MEDIA_LIFETIME_MS } from "../../whatsapp/provider";
import { kindOfType } from "./check";
import type { MediaFileRow } from "./library-store";
import { LIBRARY_MAX_BYTES } from "./receive";

export const MediaIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "med_0197a3c2e4f1a1b2c3d4e5f6" }),
});

export const MediaFromUrlBody = z
  .object({
    url: z.string().trim().min(1).max(2048).openapi({
      description: "A public http(s) URL of the file; fetched once, kept here and uploaded to WhatsApp",
      example: "https://example.com/summer-sale.jpg",
    }),
    filename: z.string().trim().min(1).max(240).optional().openapi({
      description: "The name a document is shown with; defaults to the URL's last segment",
      example: "summer-sale.jpg",
    }),
  })
  .openapi("MediaFromUrl");

export const MediaFileSchema = z
  .object({
    id: z.string().openapi({ example: "med_0197a3c2e4f1a1b2c3d4e5f6" }),
    filename: z.string().openapi({ example: "summer-sale.jpg" }),
    contentType: z.string().openapi({ example: "image/jpeg" }),
    kind: z.enum(["IMAGE", "VIDEO", "DOCUMENT"]).openapi({ description: "The template header it fits" }),
    bytes: z.number().int(),
    sourceUrl: z.string().nullable().openapi({ description: "Where it was fetched from; null for a file sent" }),
    whatsapp: z
      .object({
        mediaId: z.string().openapi({ description: "WhatsApp's id of the upload, which sends name" }),
        uploadedAt: z.string().openapi({ format: "date-time" }),
        expiresAt: z.string().openapi({
          format: "date-time",
          description: "When WhatsApp forgets the upload (30 days); it is uploaded again a week before",
        }),
      })
      .nullable()
      .openapi({ description: "Null until the file is uploaded to WhatsApp" }),
    createdAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("MediaFile");

export const MEDIA_LIMITS_TEXT = `JPEG or PNG images (5 MB), MP4 or 3GPP videos (16 MB), and PDF, plain-text or Microsoft Office documents (${LIBRARY_MAX_BYTES / (1024 * 1024)} MB here)`;

export function toMediaFile(row: MediaFileRow): z.infer<typeof MediaFileSchema> {
  return {
    id: row.id,
    filename: row.filename,
    contentType: row.contentType,
    kind: kindOfType(row.contentType) ?? "DOCUMENT",
    bytes: row.bytes,
    sourceUrl: row.sourceUrl,
    whatsapp:
      row.waMediaId && row.uploadedAt !== null
        ? {
            mediaId: row.waMediaId,
            uploadedAt: iso(row.uploadedAt),
            expiresAt: iso(row.uploadedAt + UPLOADED_MEDIA_LIFETIME_MS),
          }
        : null,
    createdAt: iso(row.createdAt),
  };
}
