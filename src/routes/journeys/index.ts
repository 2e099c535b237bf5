import { createRoute, z } from "@hono/zod-openapi";
import { requireApiKey, requireRole } from "../../auth/api-key";
import type { Db } from "../../db/client";
import { router } from "../../http/context";
import { emptyBodyAsObject } from "../../http/empty-body";
import { ApiKeySecurity, errorResponses, jsonBody, jsonContent } from "../../http/openapi";
import { decodeCursor, PageQuery, toPage } from "../../http/pagination";
import { CreateJourneyBody, JourneyIdSchema, JourneySchema, toJourney } from "../../journeys/schemas";
import { deleteJourney, getJourney, insertJourney, listJourneys } from "../../journeys/store";
import { ApiError, fieldError, notFound } from "../../lib/errors";

// Routes carry their own auth middleware (createRoute's `middleware`), since this router is
// mounted at /v1 next to others: a router-level `use("*")` would guard their paths too.

const managerOnly = [requireApiKey, requireRole("manager")];
const TAGS = ["Journeys"];

const JourneyBody = z.object({ status: z.literal("success"), journey: JourneySchema }).openapi("JourneyResponse");
const JourneyList = z
  .object({
    status: z.literal("success"),
    journeys: z.array(JourneySchema),
    nextCursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page; null on the last" }),
  })
  .openapi("JourneyList");

const IdParam = z.object({ id: JourneyIdSchema.openapi({ param: { name: "id", in: "path" } }) });

const create = createRoute({
  method: "post",
  path: "/create/journey",
  tags: TAGS,
  summary: "Create a journey",
  description:
    "A named sequence of 1–10 text messages. A campaign's `journey` button names it by `journeyId`; whoever presses that button gets the messages, in order, as replies in their WhatsApp chat. Ids are unique per project: an existing id is a 409 (delete it first to replace it).",
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: jsonBody(CreateJourneyBody),
  responses: {
    201: jsonContent(JourneyBody, "The journey"),
    ...errorResponses(400, 401, 403, 409, 413),
  },
});

const listDescription =
  "Oldest first, with cursor pagination (`limit` 1–500, default 50; `cursor` from the previous page).";

const listGet = createRoute({
  method: "get",
  path: "/retrieve/journeys",
  tags: TAGS,
  summary: "Retrieve journeys",
  description: listDescription,
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: { query: PageQuery },
  responses: { 200: jsonContent(JourneyList, "A page of journeys"), ...errorResponses(400, 401, 403) },
});

const listPost = createRoute({
  method: "post",
  path: "/retrieve/journeys",
  tags: TAGS,
  summary: "Retrieve journeys (POST)",
  description: `The same as the GET, with \`limit\` and \`cursor\` in an optional JSON body, as the reference document's other retrieve calls are made. ${listDescription}`,
  security: ApiKeySecurity,
  middleware: [...managerOnly, emptyBodyAsObject],
  request: { body: { content: { "application/json": { schema: PageQuery } }, required: false } },
  responses: { 200: jsonContent(JourneyList, "A page of journeys"), ...errorResponses(400, 401, 403, 413) },
});

const get = createRoute({
  method: "get",
  path: "/journeys/{id}",
  tags: TAGS,
  summary: "Get a journey",
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: { params: IdParam },
  responses: { 200: jsonContent(JourneyBody, "The journey"), ...errorResponses(400, 401, 403, 404) },
});

const remove = createRoute({
  method: "delete",
  path: "/journeys/{id}",
  tags: TAGS,
  summary: "Delete a journey",
  description:
    "Campaign buttons naming the journey stay as they are (a sent template cannot be changed): a later press of such a button sends nothing and is logged. Creating a journey with the same id again makes those buttons work again.",
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: { params: IdParam },
  responses: { 200: jsonContent(JourneyBody, "The deleted journey"), ...errorResponses(400, 401, 403, 404) },
});

type PageInput = z.infer<typeof PageQuery>;

/** decodeCursor names the query as the field's place; the POST form reads it from the body. */
function cursorKey(cursor: string | undefined, from: "query" | "body") {
  try {
    return decodeCursor(cursor, "number");
  } catch (err) {
    if (from === "body" && err instanceof ApiError) throw fieldError("cursor", "is not a cursor this API returned");
    throw err;
  }
}

export const journeyRoutes = router()
  .openapi(create, async (c) => {
    const body = c.req.valid("json");
    const { db, log } = c.var;
    const row = await insertJourney(db, c.var.principal.projectId, body);
    if (!row) {
      throw new ApiError("conflict", `a journey with id "${body.id}" already exists`, {
        fields: [{ field: "id", in: "body", message: "a journey with this id already exists" }],
      });
    }
    log.info("journey created", { journeyId: row.id, messages: body.messages.length });
    return c.json({ status: "success" as const, journey: toJourney(row) }, 201);
  })
  .openapi(listGet, async (c) =>
    c.json(await page(c.var.db, c.var.principal.projectId, c.req.valid("query"), "query"), 200),
  )
  .openapi(listPost, async (c) => {
    // An absent body is an empty one; the schema's defaults then apply.
    const input = PageQuery.parse(c.req.valid("json") ?? {});
    return c.json(await page(c.var.db, c.var.principal.projectId, input, "body"), 200);
  })
  .openapi(get, async (c) => {
    const row = await getJourney(c.var.db, c.var.principal.projectId, c.req.valid("param").id);
    if (!row) throw notFound("journey");
    return c.json({ status: "success" as const, journey: toJourney(row) }, 200);
  })
  .openapi(remove, async (c) => {
    const row = await deleteJourney(c.var.db, c.var.principal.projectId, c.req.valid("param").id);
    if (!row) throw notFound("journey");
    c.var.log.info("journey deleted", { journeyId: row.id });
    return c.json({ status: "success" as const, journey: toJourney(row) }, 200);
  });

async function page(db: Db, projectId: string, input: PageInput, from: "query" | "body") {
  const afterPk = cursorKey(input.cursor, from);
  const rows = await listJourneys(db, projectId, afterPk, input.limit);
  const { data, nextCursor } = toPage(rows, input.limit, (r) => r.pk, toJourney);
  return { status: "success" as const, journeys: data, nextCursor };
}
