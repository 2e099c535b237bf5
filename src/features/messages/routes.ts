import { createRoute, z } from "@hono/zod-openapi";
import { requireApiKey } from "../../platform/auth/api-key";
import { notFound } from "../../platform/errors";
import { router } from "../../platform/http/context";
import { ApiKeySecurity, errorResponses, jsonContent } from "../../platform/http/openapi";
import { parseLedgerMessageId } from "../../platform/ids";
import { iso, isoOrNull } from "../../platform/time";
import { archivedMessage } from "../archive/read-through";
import { ledgerMessage, ledgerPreviewSource } from "../run-ledger/read";
import { PreviewSchema, previewMessage, renderPreview } from "./preview";
import { getMessage } from "./store";
import { derivedHistory } from "./trail";

const MessageSchema = z
  .object({
    id: z.string().openapi({ example: "msg_01a1fc646228mZ3b_Q7x" }),
    status: z.enum(["queued", "sending", "sent", "delivered", "read", "failed", "skipped"]),
    number: z.string().openapi({ example: "+917428526285" }),
    templateId: z.string().nullable(),
    campaignId: z.string().nullable(),
    runId: z.string().nullable(),
    wamid: z.string().nullable().openapi({ description: "WhatsApp's message id, once sent" }),
    attempts: z.number().int(),
    error: z
      .object({ code: z.number().nullable(), title: z.string().nullable(), message: z.string().nullable() })
      .nullable()
      .openapi({ description: "Meta's error for a failed message (or the last retried one)" }),
    skipReason: z.string().nullable(),
    createdAt: z.iso.datetime(),
    sentAt: z.iso.datetime().nullable(),
    deliveredAt: z.iso.datetime().nullable(),
    readAt: z.iso.datetime().nullable(),
    failedAt: z.iso.datetime().nullable(),
    history: z.array(
      z.object({
        status: z.string(),
        at: z.iso.datetime(),
        errorCode: z.number().nullable(),
        detail: z.string().nullable(),
      }),
    ),
  })
  .openapi("Message");

const MessageIdParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});

const get = createRoute({
  method: "get",
  path: "/{id}",
  tags: ["Messages"],
  summary: "A message's status and history",
  security: ApiKeySecurity,
  request: { params: MessageIdParam },
  responses: { 200: jsonContent(MessageSchema, "The message"), ...errorResponses(401, 404) },
});

const preview = createRoute({
  method: "get",
  path: "/{id}/preview",
  tags: ["Messages"],
  summary: "A message as its recipient sees it",
  description:
    "The template's header, body, footer, buttons and cards filled with the message's own values (a session text message as its text), from the payload it was or will be sent with. A message moved to the archive keeps no payload: `404`.",
  security: ApiKeySecurity,
  request: { params: MessageIdParam },
  responses: { 200: jsonContent(PreviewSchema, "The message, rendered"), ...errorResponses(401, 404) },
});

export const messageRoutes = router(requireApiKey)
  .openapi(preview, async (c) => {
    const { projectId } = c.var.principal;
    const { id } = c.req.valid("param");
    // A run's message kept in its run's own object renders from there.
    const source = parseLedgerMessageId(id) ? await ledgerPreviewSource(c.env, c.var.db, projectId, id) : undefined;
    const found =
      source === undefined
        ? await previewMessage(c.var.db, projectId, id)
        : source
          ? renderPreview(source.payload, source.definition)
          : ({ ok: false, missing: "message" } as const);
    if (!found.ok) throw notFound(found.missing);
    return c.json(found.preview, 200);
  })
  .openapi(get, async (c) => {
    const { projectId } = c.var.principal;
    const { id } = c.req.valid("param");
    // A run's message kept in its run's own object (src/features/run-ledger) is read there; a
    // message no longer in D1 may be in the archive (src/features/archive), answered the same way.
    const inObject = await ledgerMessage(c.env, c.var.db, projectId, id);
    const live = inObject ? null : await getMessage(c.var.db, projectId, id);
    const archived = live || inObject ? null : await archivedMessage(c.var.db, c.env.FILES, projectId, id);
    const derived = inObject ?? archived;
    const found =
      live ??
      (derived && { row: derived, history: derivedHistory(derived, parseLedgerMessageId(derived.id) !== null) });
    if (!found) throw notFound("message");
    const { row, history } = found;
    return c.json(
      {
        id: row.id,
        status: row.status,
        number: row.number,
        templateId: row.templateId,
        campaignId: row.campaignId,
        runId: row.runId,
        wamid: row.wamid,
        attempts: row.attempts,
        error:
          row.errorCode !== null || row.errorTitle !== null
            ? { code: row.errorCode, title: row.errorTitle, message: row.errorMessage }
            : null,
        skipReason: row.skipReason,
        createdAt: iso(row.createdAt),
        sentAt: isoOrNull(row.sentAt),
        deliveredAt: isoOrNull(row.deliveredAt),
        readAt: isoOrNull(row.readAt),
        failedAt: isoOrNull(row.failedAt),
        history: history.map((h) => ({ status: h.status, at: iso(h.at), errorCode: h.errorCode, detail: h.detail })),
      },
      200,
    );
  });
