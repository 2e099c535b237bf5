import { z } from "@hono/zod-openapi";
import { MAX_POINTS } from "./timeline";

const count = (description: string, example: number) => z.number().int().openapi({ description, example });

export const TimelinePointSchema = z
  .object({
    at: z.iso.datetime().openapi({
      description: "The start of the minute or hour (UTC)",
      example: "2026-03-02T09:41:00.000Z",
    }),
    sent: count("Messages WhatsApp accepted in this bucket", 420),
    delivered: count("Messages delivered to the phone in this bucket", 398),
    read: count("Messages read in this bucket (only where read receipts are on)", 151),
    failed: count(
      "Messages that failed in this bucket: send and delivery errors, numbers not on WhatsApp, and Meta's marketing holds (131049, 130472). A failure Meta later overturns is taken back in the bucket Meta's word arrived in, which can then be below zero",
      6,
    ),
  })
  .openapi("TimelinePoint");

export const TimelineSchema = z
  .object({
    resolution: z.enum(["minute", "hour"]).openapi({ description: "The size of each bucket", example: "minute" }),
    points: z.array(TimelinePointSchema).openapi({
      description: `Oldest first, one per bucket from the first to the last, zero-filled; at most ${MAX_POINTS}`,
    }),
  })
  .openapi("Timeline");

const time = (description: string, example: string) =>
  z.iso.datetime({ offset: true }).optional().openapi({ description, example });

export const TimelineQuerySchema = z.object({
  resolution: z.enum(["minute", "hour", "auto"]).default("auto").openapi({
    description:
      "`minute`, `hour`, or `auto` (default): minutes while the run or campaign is sending or something moved in the last hour and the range fits in the minutes kept (48 hours), hours otherwise",
    example: "auto",
  }),
  from: time(
    "The first bucket (ISO 8601); default: the first point, or the latest points when there are more than fit",
    "2026-03-02T09:00:00Z",
  ),
  to: time(
    "The last bucket, inclusive (ISO 8601); default: now while sending or active in the last hour, else the last point",
    "2026-03-02T12:00:00Z",
  ),
});
