import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt } from "./columns";
import { projectRef } from "./projects";

/**
 * A project's media library: a file kept in R2 under `r2Key`, uploaded to WhatsApp once so every
 * send names it by WhatsApp's id instead of making WhatsApp download a link per message. WhatsApp
 * keeps an upload 30 days; the file is uploaded again when the id nears its end
 * (src/features/media/whatsapp-id.ts).
 */
export const mediaFiles = sqliteTable(
  "media_files",
  {
    id: text("id").primaryKey(),
    projectId: projectRef(),
    filename: text("filename").notNull(),
    contentType: text("content_type").notNull(),
    bytes: integer("bytes").notNull(),
    r2Key: text("r2_key").notNull(),
    /** The URL it was fetched from; null for a file sent in the request. */
    sourceUrl: text("source_url"),
    /** WhatsApp's id of the newest upload, the phone number it went through, and when (Unix ms). */
    waMediaId: text("wa_media_id"),
    waPhoneNumberId: text("wa_phone_number_id"),
    uploadedAt: integer("uploaded_at"),
    /** Set while one request uploads the file again, so concurrent sends do not upload it twice. */
    refreshingUntil: integer("refreshing_until"),
    createdAt: createdAt(),
  },
  (t) => [index("media_files_project").on(t.projectId, t.id)],
);
