import { createRoute } from "@hono/zod-openapi";
import { requireAdmin } from "../../platform/auth/admin";
import { ApiError, notFound } from "../../platform/errors";
import { router } from "../../platform/http/context";
import { AdminSecurity, errorResponses, jsonContent } from "../../platform/http/openapi";
import { decodeCursor, page, toPage } from "../../platform/http/pagination";
import { iso } from "../../platform/time";
import { replayDeadLetter } from "./replay";
import { DeadLetterIdParam, DeadLetterListQuery, DeadLetterSchema } from "./schemas";
import { type DeadLetterRow, getDeadLetter, listDeadLetters, markReplayed } from "./store";

const TAGS = ["Operator"];

const toDeadLetter = (row: DeadLetterRow) => ({
  id: row.id,
  queue: row.queue,
  projectId: row.projectId,
  kind: row.kind,
  attempts: row.attempts,
  reason: row.reason,
  body: row.body,
  createdAt: iso(row.createdAt),
  replayedAt: row.replayedAt === null ? null : iso(row.replayedAt),
});

const list = createRoute({
  method: "get",
  path: "/",
  tags: TAGS,
  summary: "List dead letters",
  description:
    "Messages of the events, jobs and callbacks queues that exhausted their retries (a status webhook, an opt-out, a fan-out page, an import chunk or a status callback that kept failing), kept whole with the reason, oldest first; and, on the events queue with `attempts` 0, the pieces of signed webhooks that could not be read (kind `whatsapp-webhook`, the unreadable change alone) or routed (kind `whatsapp-webhook-unrouted`: a number no project owns, a body or change the reader could not make out). The sends queue's dead letters are recorded on their messages as failed instead.",
  security: AdminSecurity,
  request: { query: DeadLetterListQuery },
  responses: { 200: jsonContent(page(DeadLetterSchema), "A page of dead letters"), ...errorResponses(400, 401) },
});

const replay = createRoute({
  method: "post",
  path: "/{id}/replay",
  tags: TAGS,
  summary: "Replay a dead letter",
  description:
    "Puts the message back on the queue it died on, as it was, once the cause is fixed. Consumers are idempotent, so what was partly applied is finished rather than applied twice. An unrouted webhook piece is routed again to the projects that own its number now (409, and it stays pending, while none does). A dead letter is replayed once (409 afterwards); a replay that fails leaves it pending.",
  security: AdminSecurity,
  request: { params: DeadLetterIdParam },
  responses: {
    200: jsonContent(DeadLetterSchema, "The dead letter, replayed"),
    ...errorResponses(400, 401, 404, 409),
  },
});

export const deadLetterRoutes = router(requireAdmin)
  .openapi(list, async (c) => {
    const { limit, cursor, ...filter } = c.req.valid("query");
    const rows = await listDeadLetters(c.var.db, filter, decodeCursor(cursor, "string"), limit);
    return c.json(
      toPage(rows, limit, (r) => r.id, toDeadLetter),
      200,
    );
  })
  .openapi(replay, async (c) => {
    const { id } = c.req.valid("param");
    const row = await getDeadLetter(c.var.db, id);
    if (!row) throw notFound("dead letter");
    if (row.replayedAt !== null) throw new ApiError("conflict", `dead letter ${id} was replayed already`);
    // Sent before it is marked: a replay that fails stays pending, and two replays at once at worst
    // enqueue the body twice, which its consumer applies once.
    await replayDeadLetter(c.env, c.var.db, row);
    const replayed = (await markReplayed(c.var.db, id)) ?? (await getDeadLetter(c.var.db, id)) ?? row;
    c.var.log.warn("dead letter replayed", { deadLetterId: id, queue: row.queue, kind: row.kind });
    return c.json(toDeadLetter(replayed), 200);
  });
