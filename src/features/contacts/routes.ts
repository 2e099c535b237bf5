import { createRoute } from "@hono/zod-openapi";
import { requireApiKey, requireRole } from "../../platform/auth/api-key";
import { fieldError, notFound } from "../../platform/errors";
import { router } from "../../platform/http/context";
import { ApiKeySecurity, errorResponses, jsonBody, jsonContent } from "../../platform/http/openapi";
import { decodeCursor, PageQuery, page, toPage } from "../../platform/http/pagination";
import { toE164 } from "../../platform/phone";
import { ContactListQuery, ContactSchema, NumberParam, UpsertContactBody, UpsertContactResponse } from "./schemas";
import { forgetSnapshot } from "./snapshot";
import { deleteContact, getContact, listContacts, toContact, upsertContact } from "./store";

const INVALID_NUMBER =
  "is not a valid phone number (use +<country code><number>; without a country code it is read as Indian)";

function parseNumber(raw: string, field: string, where: "body" | "path") {
  const number = toE164(raw);
  if (!number) throw fieldError(field, INVALID_NUMBER, where);
  return number;
}

const managerOnly = [requireRole("manager")];

const upsert = createRoute({
  method: "post",
  path: "/",
  tags: ["Contacts"],
  summary: "Create or update a contact",
  description:
    "Keyed by the number in E.164. Omitted fields keep their values; `tags` are added, `removeTags` taken away, `attributes` set. Tags and attributes the project has not defined are ignored and listed in `ignored`.",
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: jsonBody(UpsertContactBody),
  responses: {
    200: jsonContent(UpsertContactResponse, "The contact existed and was updated"),
    201: jsonContent(UpsertContactResponse, "The contact was created"),
    ...errorResponses(400, 401, 403, 413),
  },
});

const list = createRoute({
  method: "get",
  path: "/",
  tags: ["Contacts"],
  summary: "List contacts",
  description: "Oldest first, with cursor pagination. Filters combine with AND.",
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: { query: PageQuery.extend(ContactListQuery.shape) },
  responses: { 200: jsonContent(page(ContactSchema), "A page of contacts"), ...errorResponses(400, 401, 403) },
});

const get = createRoute({
  method: "get",
  path: "/{number}",
  tags: ["Contacts"],
  summary: "Get a contact by number",
  description: "URL-encode the leading plus (`%2B917428526285`), or leave it out and include the country code digits.",
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: { params: NumberParam },
  responses: { 200: jsonContent(ContactSchema, "The contact"), ...errorResponses(400, 401, 403, 404) },
});

const remove = createRoute({
  method: "delete",
  path: "/{number}",
  tags: ["Contacts"],
  summary: "Delete a contact",
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: { params: NumberParam },
  responses: { 200: jsonContent(ContactSchema, "The deleted contact"), ...errorResponses(400, 401, 403, 404) },
});

export const contactRoutes = router(requireApiKey)
  .openapi(upsert, async (c) => {
    const { number: raw, ...rest } = c.req.valid("json");
    const number = parseNumber(raw, "number", "body");
    const result = await upsertContact(c.var.db, c.var.principal.projectId, number, rest);
    if (rest.optedOut !== undefined) forgetSnapshot(c.var.principal.projectId);
    return c.json(result, result.created ? 201 : 200);
  })
  .openapi(list, async (c) => {
    const { limit, cursor, tag, source, attribute, userId } = c.req.valid("query");
    const afterId = decodeCursor(cursor, "number");
    const split = attribute?.indexOf(":") ?? -1;
    const filter = {
      tag,
      source,
      userId,
      attribute:
        attribute && split > 0 ? { name: attribute.slice(0, split), value: attribute.slice(split + 1) } : undefined,
    };
    const rows = await listContacts(c.var.db, c.var.principal.projectId, filter, afterId, limit);
    return c.json(
      toPage(rows, limit, (r) => r.id, toContact),
      200,
    );
  })
  .openapi(get, async (c) => {
    const number = parseNumber(c.req.valid("param").number, "number", "path");
    const contact = await getContact(c.var.db, c.var.principal.projectId, number);
    if (!contact) throw notFound("contact");
    return c.json(contact, 200);
  })
  .openapi(remove, async (c) => {
    const number = parseNumber(c.req.valid("param").number, "number", "path");
    const contact = await deleteContact(c.var.db, c.var.principal.projectId, number);
    if (!contact) throw notFound("contact");
    return c.json(contact, 200);
  });
