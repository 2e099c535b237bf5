import { z } from "@hono/zod-openapi";
import { ResourceId } from "../audiences/schemas";
import { OUTCOMES } from "./retarget";

export const MAX_RETENTION_DAYS = 3650;

export const SettingsSchema = z
  .object({
    retentionDays: z.number().int().openapi({
      description: "Days a finished run, or a day of an API campaign, stays in D1 before it moves to the archive in R2",
      example: 30,
    }),
  })
  .openapi("ProjectSettings");

export const UpdateSettingsBody = z
  .object({
    retentionDays: z
      .number()
      .int()
      .min(1)
      .max(MAX_RETENTION_DAYS)
      .openapi({
        description: `Days before messages move to the archive, 1–${MAX_RETENTION_DAYS} (default 30)`,
        example: 30,
      }),
  })
  .openapi("UpdateProjectSettings");

export const ManifestSchema = z
  .object({
    id: z.number().int(),
    campaignId: z.string(),
    runId: z.string().nullable().openapi({ description: "The archived run; null for an API campaign's day" }),
    day: z
      .string()
      .nullable()
      .openapi({ description: "The archived UTC day of an API campaign", example: "2026-10-31" }),
    key: z.string().openapi({ description: "The R2 object (gzip-compressed NDJSON) in the files bucket" }),
    state: z.enum(["writing", "written", "pruned"]).openapi({
      description: "`writing`: rows still in D1; `written`: the object is complete, rows being deleted; `pruned`: done",
    }),
    messages: z.number().int(),
    bytes: z.number().int().openapi({ description: "The object's compressed size" }),
    firstMessageId: z.string().nullable(),
    lastMessageId: z.string().nullable(),
    keptLive: z.number().int().openapi({ description: "Messages left in D1 because they changed while archived" }),
    createdAt: z.iso.datetime(),
    prunedAt: z.iso.datetime().nullable(),
  })
  .openapi("ArchiveManifest");

const Totals = z.object({ units: z.number().int(), messages: z.number().int(), bytes: z.number().int() });

export const ArchiveStatusSchema = z
  .object({
    retentionDays: z.number().int(),
    running: z.boolean().openapi({ description: "A slice of the archive job holds the project now" }),
    queuedAt: z.iso.datetime().nullable(),
    startedAt: z.iso.datetime().nullable(),
    finishedAt: z.iso.datetime().nullable().openapi({ description: "When a job last found nothing more due" }),
    requestedBefore: z.iso.datetime().nullable().openapi({ description: "An operator's pending cutoff" }),
    error: z.string().nullable(),
    writing: Totals,
    written: Totals,
    pruned: Totals,
  })
  .openapi("ArchiveStatus");

export const TriggerArchiveBody = z
  .object({
    before: z.iso.datetime().optional().openapi({
      description: "Archive what finished before this time (not in the future) instead of the retention's cutoff",
      example: "2026-11-01T00:00:00.000Z",
    }),
  })
  .openapi("TriggerArchive");

export const RetargetBody = z
  .object({
    id: ResourceId.openapi({ description: "The audience to fill: an existing list, or a new one" }),
    name: z.string().trim().min(1).max(200).optional().openapi({ description: "Required for a new audience" }),
    description: z.string().max(1000).nullable().optional(),
    outcome: z.enum(OUTCOMES).openapi({
      description:
        "`failed`; `delivered_not_read`; `read`; `read_not_replied` (read, and not replied); `replied` (wrote to us within 24 hours of delivery, quoting the message or not, or answered the message itself: the run's analytics count the same people); `pressed` (the quick-reply `button`)",
    }),
    button: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .openapi({ description: "With `pressed`: the button's payload or text", example: "Interested" }),
    errorCode: z.number().int().min(0).optional().openapi({
      description: "With `failed`: only the failures with this Meta error code (see the run's failures)",
      example: 131049,
    }),
  })
  .openapi("RetargetFromRun");
