import { z } from "@hono/zod-openapi";
import { ApiSendKinds } from "./send-kinds";

// Field names, types and meaning follow the API-campaign reference exactly; CRMs often send numbers
// where the reference says string, so numbers are accepted and read as their decimal text.
const Text = z.union([z.string(), z.number()]);

export const ApiSendBody = z
  .object({
    // Required by the reference; optional here only because the key may come in the Authorization
    // header instead (the authentication middleware has already checked whichever was sent).
    apiKey: z
      .string()
      .min(1)
      .optional()
      .openapi({ description: "Project API key (or send it in the Authorization header)" }),
    campaignName: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .openapi({ description: "Name of a live API campaign", example: "order_updates" }),
    destination: Text.openapi({
      description: "Recipient's number with country code; without one it is read as Indian (+91)",
      example: "+917428526285",
    }),
    userName: z.string().trim().min(1).max(256).openapi({ description: "Recipient's name", example: "Asha Verma" }),
    source: z
      .string()
      .trim()
      .max(256)
      .optional()
      .openapi({ description: "Source of the lead, for source-based segments", example: "Website lead" }),
    media: z
      .object({
        url: z.string().max(2048).optional().openapi({ example: "https://example.com/invoice.pdf" }),
        id: z.string().trim().min(1).max(128).optional().openapi({
          description: "Instead of `url`: the id of a file already uploaded to WhatsApp (Meta's media upload)",
          example: "1037543291543636",
        }),
        file: z.string().trim().min(1).max(64).optional().openapi({
          description:
            "Instead of `url`: a file of the project's media library (`POST /v1/media`), sent by the id WhatsApp gave its upload",
          example: "med_0197a3c2e4f1a1b2c3d4e5f6",
        }),
        filename: z.string().max(240).optional().openapi({ example: "invoice.pdf" }),
      })
      .refine((media) => media.url !== undefined || media.id !== undefined || media.file !== undefined, {
        message: "Invalid input: give url, id or file",
        path: ["url"],
      })
      .refine((media) => media.file === undefined || (media.url === undefined && media.id === undefined), {
        message: "Invalid input: give file alone, without url or id",
        path: ["file"],
      })
      .optional()
      .openapi({
        description: "Required exactly when the template has an image, video or document header: `url`, `id` or `file`",
      }),
    templateParams: z
      .array(Text)
      .max(100)
      .optional()
      .openapi({
        description:
          "Values for the template's placeholders in reading order: TEXT header {{1}}, body {{1}}…{{n}}, URL button suffixes",
        example: ["Asha", "#1042"],
      }),
    tags: z
      .array(z.string().trim().min(1).max(64))
      .max(50)
      .optional()
      .openapi({ description: "Tags to add to the contact; undefined ones are ignored and reported" }),
    attributes: z
      .record(z.string().trim().min(1).max(64), Text)
      .optional()
      .openapi({ description: "Attribute values to set; undefined attributes are ignored and reported" }),
    location: z
      .object({
        latitude: z.coerce.number().min(-90).max(90),
        longitude: z.coerce.number().min(-180).max(180),
        name: z.string().max(1000).optional(),
        address: z.string().max(1000).optional(),
      })
      .optional()
      .openapi({ description: "Required exactly when the template has a LOCATION header" }),
    ...ApiSendKinds,
  })
  .openapi("ApiCampaignSend");

export const ApiSendResponse = z
  .object({
    success: z.literal(true),
    message: z.string().openapi({ example: "Message accepted" }),
    submitted_message_id: z.string().openapi({ description: "Same as messageId, under the name CRMs look for" }),
    messageId: z.string().openapi({ example: "msg_01a1fc646228mZ3b_Q7x" }),
    status: z.enum(["queued", "skipped"]),
    skipReason: z.string().nullable().openapi({
      description:
        "`opted_out`: the contact stopped marketing messages; `us_marketing_paused`: a marketing template to a US (+1) number, which WhatsApp does not deliver (paused by Meta since April 2025)",
    }),
    destination: z.string().openapi({ description: "The number in E.164", example: "+917428526285" }),
    ignored: z.object({ tags: z.array(z.string()), attributes: z.array(z.string()) }),
  })
  .openapi("ApiCampaignSendResult");
