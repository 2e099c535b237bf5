import { z } from "@hono/zod-openapi";
import type { journeys } from "../../platform/db/schema";
import { iso } from "../../platform/time";
import { MAX_TEXT_LENGTH } from "../../whatsapp/provider";
import { ResourceId } from "../audiences/schemas";

// A journey is a named sequence of messages a journey button's press sends in reply. Stored as
// `steps` so that kinds other than text can be added without a migration; the API speaks
// `messages: [{ text }]`, the only kind there is.

export const MAX_JOURNEY_MESSAGES = 10;
const MAX_NAME = 100;
const MAX_DESCRIPTION = 1000;

export type JourneyStep = { type: "text"; text: string };

/** The reference document's ids (`myJourneyId`): unique per project, chosen by the client. */
export const JourneyIdSchema = ResourceId.openapi({
  description: "The journey's id, chosen by you; journey buttons name it as `journeyId`",
  example: "welcome",
});

const JourneyMessageSchema = z
  .object({
    text: z
      .string()
      .max(MAX_TEXT_LENGTH)
      .refine((text) => text.trim().length > 0, "must not be empty or blank")
      .openapi({
        description: `The message, 1–${MAX_TEXT_LENGTH} characters (WhatsApp's limit for a text message); WhatsApp formatting (*bold*, _italic_) applies`,
        example: "Thanks for tapping Start! Here is what happens next…",
      }),
  })
  .openapi("JourneyMessage");

export const CreateJourneyBody = z
  .object({
    id: JourneyIdSchema,
    name: z.string().trim().min(1).max(MAX_NAME).openapi({ example: "Welcome journey" }),
    description: z.string().max(MAX_DESCRIPTION).nullable().optional(),
    messages: z
      .array(JourneyMessageSchema)
      .min(1)
      .max(MAX_JOURNEY_MESSAGES)
      .openapi({
        description: `1–${MAX_JOURNEY_MESSAGES} messages, sent in this order to whoever presses a button naming the journey`,
      }),
  })
  .openapi("CreateJourney");

export type CreateJourney = z.infer<typeof CreateJourneyBody>;

export const JourneySchema = z
  .object({
    id: z.string().openapi({ example: "welcome" }),
    name: z.string(),
    description: z.string().nullable(),
    messages: z.array(z.object({ text: z.string() })),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("Journey");

export type Journey = z.infer<typeof JourneySchema>;
export type JourneyRow = typeof journeys.$inferSelect;

export const stepsOf = (row: Pick<JourneyRow, "steps">) => (row.steps as JourneyStep[] | null) ?? [];

/** The API's view of a journey, parsed through the response schema so that no internal column leaks. */
export function toJourney(row: JourneyRow): Journey {
  return JourneySchema.parse({
    id: row.id,
    name: row.name,
    description: row.description,
    messages: stepsOf(row).map((step) => ({ text: step.text })),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  });
}
