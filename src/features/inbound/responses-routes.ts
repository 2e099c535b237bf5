import { createRoute, z } from "@hono/zod-openapi";
import { managerOnly } from "../../platform/auth/manager-only";
import { notFound } from "../../platform/errors";
import { router } from "../../platform/http/context";
import { ApiKeySecurity, errorResponses, jsonContent } from "../../platform/http/openapi";
import { decodeCursor, PageQuery, page, toPage } from "../../platform/http/pagination";
import { iso } from "../../platform/time";
import { RESPONSE_KINDS } from "./parse";
import { listCampaignResponses } from "./store";

const ResponseSchema = z
  .object({
    number: z.string().openapi({
      example: "+917428526285",
      description:
        "Who answered, in E.164; the person's business-scoped user id (`US.13491208655302741918`) while no number is known for them",
    }),
    kind: z.enum(RESPONSE_KINDS).openapi({
      description:
        "`button`: a template's quick-reply button; `interactive`: a reply button, list row or completed Flow; `text`: a text message quoting the campaign's message; `reaction`, `media` (image, video, audio, document, sticker), `location`, `contacts`, `order`: such a message quoting (or, for a reaction, reacting to) the campaign's message",
    }),
    payload: z.string().nullable().openapi({
      description:
        "The button's payload, the reply's id, a Flow's `response_json`, a media id, `latitude,longitude` or an order's catalog id; null for text, reactions and contacts",
      example: "YES_PLEASE",
    }),
    text: z.string().nullable().openapi({
      description:
        "The button's label, the text sent, the emoji, a caption, a place's name and address, or names shared",
      example: "Yes, please",
    }),
    messageId: z.string().nullable().openapi({ description: "The campaign message answered" }),
    runId: z.string().nullable(),
    receivedAt: z.iso.datetime().openapi({ description: "When WhatsApp received it (the webhook's timestamp)" }),
  })
  .openapi("CampaignResponse");

const CampaignIdParam = z.object({
  campaignId: z
    .string()
    .max(64)
    .openapi({ param: { name: "campaignId", in: "path" }, example: "cmp_0192f3c4a1b2c3d4e5f6a7b8" }),
});

const list = createRoute({
  method: "get",
  path: "/{campaignId}/responses",
  tags: ["Campaign responses"],
  summary: "List what people answered to a campaign",
  description:
    "Quick-reply presses on the campaign's messages (or naming the campaign in their payload) and every message quoting or reacting to them, oldest first, with cursor pagination. A replayed webhook never adds a second row.",
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: { params: CampaignIdParam, query: PageQuery },
  responses: {
    200: jsonContent(page(ResponseSchema), "A page of responses"),
    ...errorResponses(400, 401, 403, 404),
  },
});

export const campaignResponseRoutes = router().openapi(list, async (c) => {
  const { campaignId } = c.req.valid("param");
  const { limit, cursor } = c.req.valid("query");
  const afterId = decodeCursor(cursor, "number");
  const rows = await listCampaignResponses(c.var.db, c.var.principal.projectId, campaignId, afterId, limit);
  if (!rows) throw notFound("campaign");
  return c.json(
    toPage(
      rows,
      limit,
      (r) => r.id,
      (r) => ({
        number: r.number,
        kind: r.kind,
        payload: r.payload,
        text: r.text,
        messageId: r.messageId,
        runId: r.runId,
        receivedAt: iso(r.receivedAt),
      }),
    ),
    200,
  );
});
