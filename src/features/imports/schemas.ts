import { z } from "@hono/zod-openapi";
import type { imports } from "../../platform/db/schema";
import { PageQuery } from "../../platform/http/pagination";
import { isoOrNull } from "../../platform/time";
import { ResourceId } from "../audiences/schemas";
import { analyseHeader } from "./header";

/** Rejects shown inline in one import's status. */
export const INLINE_REJECTS = 20;

export const ImportIdParam = z.object({
  importId: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "importId", in: "path" }, example: "imp_0197a3c2e4f1a1b2c3d4e5f6" }),
});

/** The text fields of an upload, sent as form fields or, with a raw CSV body, as query parameters. */
export const UploadFields = z.object({
  id: ResourceId.openapi({ description: "Your id of the audience or variable group; an existing one is filled" }),
  name: z.string().trim().min(1).max(200).openapi({ example: "large_group_10k_2" }),
  audienceId: ResourceId.optional().openapi({
    description: "Variable groups only: also add every imported number to this audience (created if new)",
    example: "30k",
  }),
});
export type UploadFieldsInput = z.infer<typeof UploadFields>;

/** For a raw `text/csv` body; each field is checked again (and named) once the whole request is read. */
export const UploadQuery = z.object({
  id: z.string().optional().openapi({ description: "With a raw CSV body: the `id` field" }),
  name: z.string().optional().openapi({ description: "With a raw CSV body: the `name` field" }),
  audienceId: z.string().optional().openapi({ description: "With a raw CSV body: the `audienceId` field" }),
});

export const ImportRejectSchema = z
  .object({
    line: z.number().int().openapi({ description: "1-based line of the file the row starts on", example: 7 }),
    number: z.string().nullable().openapi({ description: "The number cell as written, if any", example: "12345" }),
    reason: z.string().openapi({ example: "number is not a valid phone number" }),
  })
  .openapi("ImportReject");

export const ImportSchema = z
  .object({
    id: z.string().openapi({ example: "imp_0197a3c2e4f1a1b2c3d4e5f6" }),
    kind: z.enum(["audience", "variable_group"]),
    status: z.enum(["queued", "running", "completed", "failed"]),
    audienceId: z.string().nullable().openapi({ example: "30k" }),
    groupId: z.string().nullable().openapi({ example: "large_group_10k_2" }),
    rowsDone: z.number().int().openapi({ description: "Data rows imported (a repeated number counts each time)" }),
    rowsRejected: z.number().int().openapi({ description: "Data rows refused; see `rejects`" }),
    bytesRead: z.number().int(),
    bytesTotal: z.number().int().nullable(),
    progress: z.number().min(0).max(1).openapi({ description: "bytesRead / bytesTotal", example: 0.42 }),
    ignoredColumns: z.array(z.string()).openapi({
      description: "Audiences: header columns other than the number, `name` and `source`, which are not imported",
    }),
    error: z.string().nullable().openapi({ description: "Why a failed import stopped" }),
    createdAt: z.iso.datetime(),
    finishedAt: z.iso.datetime().nullable(),
  })
  .openapi("Import");
export type Import = z.infer<typeof ImportSchema>;

const success = z.literal("success");

export const ImportResponse = z.object({ status: success, import: ImportSchema }).openapi("ImportAccepted");

export const ImportDetailResponse = z
  .object({
    status: success,
    import: ImportSchema.extend({
      rejects: z.array(ImportRejectSchema).openapi({
        description: `The first ${INLINE_REJECTS} rejected rows, by line; all of them at /v1/imports/{importId}/rejects`,
      }),
    }),
  })
  .openapi("ImportStatus");

export const ImportsResponse = z
  .object({ status: success, imports: z.array(ImportSchema), nextCursor: z.string().nullable() })
  .openapi("Imports");

export const RejectsQuery = PageQuery;

export const RejectsResponse = z
  .object({ status: success, rejects: z.array(ImportRejectSchema), nextCursor: z.string().nullable() })
  .openapi("ImportRejects");

type ImportRow = typeof imports.$inferSelect;

export function toImport(row: ImportRow): Import {
  const header = row.header as string[] | null;
  const layout = header && row.kind === "audience" ? analyseHeader(header, "audience") : null;
  const total = row.bytesTotal ?? 0;
  return {
    id: row.id,
    kind: row.kind,
    // "uploading" never reaches a client: the row is written once the upload is complete.
    status: row.status === "uploading" ? "queued" : row.status,
    audienceId: row.audienceId,
    groupId: row.groupId,
    rowsDone: row.rowsDone,
    rowsRejected: row.rowsRejected,
    bytesRead: row.bytesRead,
    bytesTotal: row.bytesTotal,
    progress: row.status === "completed" ? 1 : total > 0 ? Math.min(1, row.bytesRead / total) : 0,
    ignoredColumns: layout?.ok ? layout.layout.ignored : [],
    error: row.error,
    createdAt: new Date(row.createdAt).toISOString(),
    finishedAt: isoOrNull(row.finishedAt),
  };
}
