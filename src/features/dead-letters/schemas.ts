import { z } from "@hono/zod-openapi";
import { PageQuery } from "../../platform/http/pagination";

export const DEAD_LETTER_QUEUES = ["events", "jobs", "callbacks"] as const;

export const DeadLetterSchema = z
  .object({
    id: z.string().openapi({ example: "dlq_019a2b3c4d5e6f7a8b9c0d1e" }),
    queue: z.enum(DEAD_LETTER_QUEUES).openapi({ description: "The queue the message died on" }),
    projectId: z.string().nullable().openapi({ description: "The project its body names, if any" }),
    kind: z.string().openapi({
      description:
        "The body's kind: `whatsapp-webhook` (a verified Meta webhook payload, or the one change of it that could not be read), `whatsapp-webhook-unrouted` (a signed webhook piece no project owned, or whose envelope could not be read) or a job's (`run-fanout`, `import`, …)",
      example: "whatsapp-webhook",
    }),
    attempts: z
      .number()
      .int()
      .openapi({ description: "Deliveries before it was dead-lettered; 0 for a webhook piece set aside on arrival" }),
    reason: z.string().openapi({ example: "no outcome after 11 deliveries" }),
    body: z.unknown().openapi({ description: "The queue message's body, as it was" }),
    createdAt: z.iso.datetime(),
    replayedAt: z.iso.datetime().nullable(),
  })
  .openapi("DeadLetter");

export const DeadLetterListQuery = PageQuery.extend({
  queue: z.enum(DEAD_LETTER_QUEUES).optional().openapi({ description: "Only this queue's dead letters" }),
  projectId: z.string().min(1).max(64).optional().openapi({ description: "Only those naming this project" }),
  pending: z
    .enum(["true", "false"])
    .optional()
    .transform((v) => v === "true")
    .openapi({ description: "`true`: only those not replayed yet" }),
});

export const DeadLetterIdParam = z.object({
  id: z
    .string()
    .regex(/^dlq_[0-9a-f]{24}$/, "must be a dead letter id (dlq_…)")
    .openapi({ param: { name: "id", in: "path" }, example: "dlq_019a2b3c4d5e6f7a8b9c0d1e" }),
});
