import { z } from "@hono/zod-openapi";
import type { RunStats } from "../../durable-objects/campaign-stats/counters";
import { RUN_STATUSES, type runs } from "../../platform/db/schema";
import { isoOrNull } from "../../platform/time";
import { EMPTY_RESULTS, ResultsSchema, toResults } from "../stats/results";

export { ResultsSchema };

export type RunRow = typeof runs.$inferSelect;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const RunStatusSchema = z.enum(RUN_STATUSES).openapi({
  description:
    "`scheduled` (waits for `timeToRun`), `waiting_template` (the template is not approved yet), `fanning_out` (recipients are being recorded), `sending`, `paused`, `completed`, `cancelled`, `failed` (see `statusReason`)",
});

export const RunSchema = z
  .object({
    runId: z.string().openapi({ example: "run_0192f1a2b3c4d5e6f7a8b9c0" }),
    campaignId: z.string(),
    status: RunStatusSchema,
    statusReason: z
      .string()
      .nullable()
      .openapi({ description: "Why the run is in its status, when that needs saying" }),
    audiences: z.array(z.string()).openapi({ example: ["all"] }),
    timeToRun: z.string().nullable().openapi({ description: "When a scheduled run starts (ISO 8601)" }),
    retryOf: z.string().nullable().openapi({ description: "The run whose retryable failures this run re-sends" }),
    retryKind: z.enum(["marketing_limited"]).nullable().openapi({
      description: "marketing_limited: this retry re-sends the recipients Meta held for their marketing limit (131049)",
    }),
    retryMarketingLimited: z.boolean().openapi({
      description: "Its 131049 recipients are still to be retried a day after it completes",
    }),
    recipients: z
      .object({
        queued: z.number().int().openapi({ description: "Recipients recorded for sending" }),
        skipped: z
          .number()
          .int()
          .openapi({ description: "Recipients skipped at fan-out (opted out, missing variable)" }),
      })
      .openapi({ description: "What the fan-out has recorded so far" }),
    results: ResultsSchema,
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    fannedOutAt: z.string().nullable().openapi({ description: "When every recipient had been recorded and enqueued" }),
    finishedAt: z.string().nullable(),
  })
  .openapi("Run");
export type Run = z.infer<typeof RunSchema>;

/** The API shape of a run; `stats` is the run's entry in its campaign's CampaignStats object. */
export function toRun(row: RunRow, stats?: RunStats | null): Run {
  return {
    runId: row.id,
    campaignId: row.campaignId,
    status: row.status,
    statusReason: row.statusReason,
    audiences: (row.audiences as string[] | null) ?? [],
    timeToRun: isoOrNull(row.timeToRun),
    retryOf: row.retryOf,
    retryKind: row.retryKind,
    retryMarketingLimited: row.retryMarketingLimited === 1,
    recipients: { queued: row.queued, skipped: row.skipped },
    results: stats ? toResults(stats) : EMPTY_RESULTS,
    createdAt: new Date(row.createdAt).toISOString(),
    startedAt: isoOrNull(row.startedAt),
    fannedOutAt: isoOrNull(row.fannedOutAt),
    finishedAt: isoOrNull(row.finishedAt),
  };
}
