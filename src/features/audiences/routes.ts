import { createRoute } from "@hono/zod-openapi";
import { managerOnly } from "../../platform/auth/manager-only";
import { ApiError, notFound } from "../../platform/errors";
import { router } from "../../platform/http/context";
import { ApiKeySecurity, errorResponses, jsonBody, jsonContent } from "../../platform/http/openapi";
import { decodeCursor, encodeCursor, PageQuery, toPage } from "../../platform/http/pagination";
import { retrieveRoutes } from "../../platform/http/retrieve";
import { ALL_AUDIENCE, SEGMENT_SCAN } from "./members";
import { FieldErrors, parseMembers } from "./numbers";
import {
  AudienceContactsQuery,
  AudienceContactsResponse,
  AudienceIdParam,
  AudienceResponse,
  AudiencesResponse,
  CreateAudienceBody,
  DeletedAudienceResponse,
  RemoveContactsBody,
  RemoveContactsResponse,
} from "./schemas";
import { checkSegmentReferences } from "./segment-check";
import {
  audienceContacts,
  audienceNamed,
  deleteAudience,
  getAudience,
  listAudiences,
  removeMembers,
  saveAudience,
  targetOf,
  toAudience,
} from "./store";

const tags = ["Audiences"];

const create = createRoute({
  method: "post",
  path: "/create/audience",
  tags,
  summary: "Create an audience, or add contacts to one",
  description:
    "A new `id` creates the audience (`name` required): a fixed list of `contacts`, or a segment when `filter` is given. " +
    "An existing `id` adds the contacts (the reference document's addContactsToAudience posts here) and updates a given name, description or segment filter. " +
    "Numbers not yet contacts become contacts; a given name or source updates the contact. All or nothing: any invalid number is a 400 and nothing is written.",
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: jsonBody(CreateAudienceBody),
  responses: {
    200: jsonContent(AudienceResponse, "The audience existed; contacts were added"),
    201: jsonContent(AudienceResponse, "The audience was created"),
    ...errorResponses(400, 401, 403, 409, 413),
  },
});

const removeContacts = createRoute({
  method: "post",
  path: "/remove/audience/contacts",
  tags,
  summary: "Remove contacts from an audience",
  description:
    "Takes the numbers out of the list; they stay contacts (and stay in other audiences). Numbers that were not members are ignored. Not for segments.",
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: jsonBody(RemoveContactsBody),
  responses: {
    200: jsonContent(RemoveContactsResponse, "The memberships were removed"),
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

const remove = createRoute({
  method: "delete",
  path: "/audiences/{id}",
  tags,
  summary: "Delete an audience",
  description: "Deletes the audience and its memberships. Its members stay contacts.",
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: { params: AudienceIdParam },
  responses: {
    200: jsonContent(DeletedAudienceResponse, "The deleted audience"),
    ...errorResponses(400, 401, 403, 404),
  },
});

const listDescription =
  "Oldest first, with cursor pagination (`limit`, `cursor`). The reference document shows this call as GET; POST with the same fields in a JSON body works too.";

const retrieveAudiences = retrieveRoutes(
  {
    path: "/retrieve/audiences",
    tags,
    input: PageQuery,
    middleware: managerOnly,
    get: { summary: "Retrieve audiences", description: listDescription },
    post: { summary: "Retrieve audiences (POST)", description: `${listDescription} An empty body is read as \`{}\`.` },
    responses: { 200: jsonContent(AudiencesResponse, "A page of audiences"), ...errorResponses(400, 401, 403) },
  },
  async (c, query, from) => {
    const { db, principal } = c.var;
    const after = decodeCursor(query.cursor, "number", from);
    const rows = await listAudiences(db, principal.projectId, after, query.limit);
    const page = toPage(rows, query.limit, (r) => r.pk, toAudience);
    return c.json({ status: "success" as const, audiences: page.data, nextCursor: page.nextCursor }, 200);
  },
);

const contactsDescription =
  "The audience's contacts in a stable order, with cursor pagination. A segment is evaluated now, so its contacts are who matches at this moment; " +
  `each page of a segment looks at up to ${SEGMENT_SCAN.toLocaleString("en")} of the project's contacts, so a page may hold fewer than \`limit\` (even none) and still have a \`nextCursor\`: follow it until it is null. ` +
  "The reference document shows this call as POST with `{ id }`; GET with `?id=` works too.";

const retrieveContacts = retrieveRoutes(
  {
    path: "/retrieve/audience/contacts",
    tags,
    input: AudienceContactsQuery,
    middleware: managerOnly,
    get: { summary: "Retrieve an audience's contacts (GET)", description: contactsDescription },
    post: { summary: "Retrieve an audience's contacts", description: contactsDescription },
    responses: {
      200: jsonContent(AudienceContactsResponse, "A page of the audience's contacts"),
      ...errorResponses(400, 401, 403, 404),
    },
  },
  async (c, query, from) => {
    const { db, principal } = c.var;
    const after = decodeCursor(query.cursor, "number", from);
    const row = await getAudience(db, principal.projectId, query.id);
    if (!row) throw notFound("audience");
    const { rows, scannedTo } = await audienceContacts(
      db,
      principal.projectId,
      targetOf(row),
      after ?? 0,
      query.limit,
      c.env,
    );
    const page = toPage(
      rows,
      query.limit,
      (r) => r.id,
      ({ number, name, source, optedOut }) => ({ number, name, source, optedOut }),
    );
    // A segment page that read its share of the contacts without filling goes on from there.
    const nextCursor = page.nextCursor ?? (scannedTo === null ? null : encodeCursor(scannedTo));
    const { id, name, type } = toAudience(row);
    return c.json({ status: "success" as const, audience: { id, name, type }, contacts: page.data, nextCursor }, 200);
  },
);

export const audienceRoutes = router()
  .openapi(create, async (c) => {
    const body = c.req.valid("json");
    const { db, principal } = c.var;
    const errors = new FieldErrors();
    if (body.id === ALL_AUDIENCE) errors.add("id", "`all` is reserved: it already means every contact of the project");
    if (body.name === ALL_AUDIENCE) errors.add("name", "`all` is reserved: runs read it as every contact");
    if (body.contacts !== undefined && body.filter !== undefined)
      errors.add("filter", "give either contacts (a list) or filter (a segment), not both");
    errors.throwIfAny();
    const members = parseMembers(body.contacts ?? []);

    const existing = await getAudience(db, principal.projectId, body.id);
    if (!existing && body.name === undefined) {
      errors.add("name", "is required for a new audience");
      errors.throwIfAny();
    }
    if (existing?.filter === null && body.filter !== undefined) {
      throw new ApiError(
        "conflict",
        `audience ${body.id} is a list of contacts and cannot become a segment; create a new audience with the filter`,
      );
    }
    if (existing && existing.filter !== null && members.length > 0) {
      throw new ApiError(
        "conflict",
        `audience ${body.id} is a segment: its contacts are whoever matches its filter, so contacts cannot be added to it`,
      );
    }
    if (body.filter !== undefined) await checkSegmentReferences(db, principal.projectId, body.filter);
    const name = body.name ?? (existing?.name as string);
    if (body.name !== undefined && body.name !== existing?.name) {
      const other = await audienceNamed(db, principal.projectId, name, body.id);
      if (other !== undefined) {
        throw new ApiError(
          "conflict",
          `an audience named "${name}" already exists (id ${other}); names are unique because runs may name audiences by name`,
        );
      }
    }
    const { audience, added } = await saveAudience(db, principal.projectId, {
      id: body.id,
      name,
      description: body.description,
      filter: body.filter,
      members,
    });
    return c.json({ status: "success" as const, audience: toAudience(audience), added }, existing ? 200 : 201);
  })
  .route("/", retrieveAudiences)
  .route("/", retrieveContacts)
  .openapi(removeContacts, async (c) => {
    const body = c.req.valid("json");
    const { db, principal } = c.var;
    const numbers = parseMembers(body.contacts).map((m) => m.number);
    const existing = await getAudience(db, principal.projectId, body.id);
    if (!existing) throw notFound("audience");
    if (existing.filter !== null) {
      throw new ApiError(
        "conflict",
        `audience ${body.id} is a segment: its contacts are whoever matches its filter; change the filter instead`,
      );
    }
    const { audience, removed } = await removeMembers(db, principal.projectId, body.id, numbers);
    if (!audience) throw notFound("audience");
    return c.json({ status: "success" as const, audience: toAudience(audience), removed }, 200);
  })
  .openapi(remove, async (c) => {
    const row = await deleteAudience(c.var.db, c.var.principal.projectId, c.req.valid("param").id);
    if (!row) throw notFound("audience");
    return c.json({ status: "success" as const, audience: toAudience(row) }, 200);
  });
