import { z } from "@hono/zod-openapi";

export const StorageReportSchema = z
  .object({
    bytes: z.number().int().openapi({ description: "The database's size now, as D1 counts it", example: 812_000_000 }),
    limitBytes: z
      .number()
      .int()
      .openapi({ description: "The ceiling (`STORAGE_LIMIT_BYTES`, D1's 10 GB by default)", example: 10_000_000_000 }),
    usedRatio: z.number().openapi({ description: "`bytes` / `limitBytes`, to three decimals", example: 0.081 }),
    growthBytesPerDay: z.number().int().nullable().openapi({
      description: "Growth over the last week (least squares over hourly readings); null until readings span an hour",
      example: 41_000_000,
    }),
    daysLeft: z.number().nullable().openapi({
      description: "Days until the ceiling at that growth; null when the database is not growing",
      example: 224.1,
    }),
    warning: z.boolean().openapi({ description: "True when any of `reasons` holds" }),
    reasons: z.array(z.string()).openapi({
      description:
        "Why to act: the share used is at `STORAGE_WARN_RATIO` or more, or `daysLeft` is `STORAGE_WARN_DAYS` or fewer",
    }),
    measuredAt: z.string().openapi({ example: "2026-12-01T06:00:00.000Z" }),
    samples: z
      .array(z.object({ at: z.string(), bytes: z.number().int() }))
      .openapi({ description: "The hourly readings of the last week and this one, oldest first" }),
  })
  .openapi("StorageReport");
