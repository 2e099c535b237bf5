import { z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { templateOfSql } from "../../platform/db/schema";
import { isTextMessage, type OutboundMessage, type TemplateDefinition } from "../../whatsapp/provider";
import { renderTemplate } from "../../whatsapp/render";
import { storedPayload } from "./payload";

// A message as its recipient sees it: the template's texts filled with the message's own values,
// with its header, footer, buttons and cards, from the payload the message was (or will be) sent
// with. Any provider's message can be previewed; the sandbox's are how a user sees a campaign
// without a phone.

const HeaderSchema = z
  .object({
    type: z.enum(["text", "image", "video", "document", "location"]),
    text: z.string().optional(),
    link: z.string().optional(),
    id: z.string().optional().openapi({ description: "A media id uploaded to Meta" }),
    filename: z.string().optional(),
    latitude: z.number().optional(),
    longitude: z.number().optional(),
    name: z.string().optional(),
    address: z.string().optional(),
  })
  .openapi("PreviewHeader");

const ButtonSchema = z
  .object({
    type: z.enum(["quick_reply", "url", "phone_number", "copy_code", "flow", "catalog", "mpm", "otp"]),
    text: z.string().openapi({ description: "The label the recipient sees" }),
    value: z.string().nullable().openapi({
      description: "What the button carries: a quick reply's payload, the full URL, the phone number, the code",
    }),
  })
  .openapi("PreviewButton");

export const PreviewSchema = z
  .object({
    kind: z.enum(["template", "text"]),
    to: z.string().openapi({ example: "+917428526285" }),
    template: z
      .object({ name: z.string(), language: z.string() })
      .nullable()
      .openapi({ description: "null for a session text message" }),
    header: HeaderSchema.nullable(),
    body: z.string().openapi({ example: "Hi Asha, your order #1 is on its way." }),
    footer: z.string().nullable(),
    buttons: z.array(ButtonSchema),
    offer: z
      .object({ text: z.string(), expiresAt: z.iso.datetime().nullable() })
      .nullable()
      .openapi({ description: "A limited-time offer's headline and expiry" }),
    cards: z.array(z.object({ header: HeaderSchema.nullable(), body: z.string(), buttons: z.array(ButtonSchema) })),
  })
  .openapi("MessagePreview");

export type Preview = z.infer<typeof PreviewSchema>;

export type PreviewResult = { ok: true; preview: Preview } | { ok: false; missing: "message" | "template" };

/**
 * The project's message `id` rendered: its stored payload and its template's definition, in one
 * read. A message no longer in D1 (archived) keeps no payload, so it is not found here.
 */
export async function previewMessage(db: Db, projectId: string, id: string): Promise<PreviewResult> {
  const row = await db.get<{ payload: string | null; definition: string | null } | undefined>(sql`
    SELECT ${storedPayload("m")} AS payload, t.definition AS definition
    FROM messages m LEFT JOIN templates t ON t.id = ${sql.raw(templateOfSql("m"))} AND t.project_id = m.project_id
    WHERE m.id = ${id} AND m.project_id = ${projectId}`);
  if (!row?.payload) return { ok: false, missing: "message" };
  return renderPreview(row.payload, row.definition);
}

/**
 * A message's whole payload (JSON) rendered with its template's definition (JSON; null: the
 * template is gone), wherever the message is kept.
 */
export function renderPreview(payload: string, definition: string | null): PreviewResult {
  const message = JSON.parse(payload) as OutboundMessage;
  const none = { header: null, footer: null, buttons: [], offer: null, cards: [] };
  if (isTextMessage(message)) {
    return { ok: true, preview: { kind: "text", to: message.to, template: null, body: message.text, ...none } };
  }
  if (!definition) return { ok: false, missing: "template" };
  const rendered = renderTemplate(JSON.parse(definition) as TemplateDefinition, message);
  return {
    ok: true,
    preview: {
      kind: "template",
      to: message.to,
      template: { name: message.template.name, language: message.template.language },
      ...rendered,
      offer: rendered.offer && {
        text: rendered.offer.text,
        expiresAt: rendered.offer.expiresAt === null ? null : new Date(rendered.offer.expiresAt).toISOString(),
      },
    },
  };
}
