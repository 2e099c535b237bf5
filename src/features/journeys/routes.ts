import { createRoute, z } from "@hono/zod-openapi";
import { managerOnly } from "../../platform/auth/manager-only";
import { ApiError, notFound } from "../../platform/errors";
import { router } from "../../platform/http/context";
import { ApiKeySecurity, errorResponses, jsonBody, jsonContent } from "../../platform/http/openapi";
import { decodeCursor, PageQuery, toPage } from "../../platform/http/pagination";
import { retrieveRoutes } from "../../platform/http/retrieve";
import { CreateJourneyBody, JourneyIdSchema, JourneySchema, toJourney } from "./schemas";
import { deleteJourney, getJourney, insertJourney, listJourneys } from "./store";

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

const retrieveJourneys = retrieveRoutes(
  {
    path: "/retrieve/journeys",
    tags: TAGS,
    input: PageQuery,
    middleware: managerOnly,
    get: { summary: "Retrieve journeys", description: listDescription },
    post: {
      summary: "Retrieve journeys (POST)",
      description: `The same as the GET, with \`limit\` and \`cursor\` in an optional JSON body, as the reference document's other retrieve calls are made. ${listDescription}`,
    },
    responses: { 200: jsonContent(JourneyList, "A page of journeys"), ...errorResponses(400, 401, 403) },
  },
  async (c, input, from) => {
    const afterPk = decodeCursor(input.cursor, "number", from);
    const rows = await listJourneys(c.var.db, c.var.principal.projectId, afterPk, input.limit);
    const { data, nextCursor } = toPage(rows, input.limit, (r) => r.pk, toJourney);
    return c.json({ status: "success" as const, journeys: data, nextCursor }, 200);
  },
);

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
  .route("/", retrieveJourneys)
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
