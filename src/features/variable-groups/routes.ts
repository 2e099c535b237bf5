import { createRoute } from "@hono/zod-openapi";
import { managerOnly } from "../../platform/auth/manager-only";
import { ApiError, notFound } from "../../platform/errors";
import { router } from "../../platform/http/context";
import { ApiKeySecurity, errorResponses, jsonBody, jsonContent } from "../../platform/http/openapi";
import { decodeCursor, toPage } from "../../platform/http/pagination";
import { retrieveRoutes } from "../../platform/http/retrieve";
import { FieldErrors } from "../audiences/numbers";
import { getGroup, groupNamed, groupValues, listGroups, saveGroup, toVariableGroup } from "./groups";
import {
  CreateVariableGroupBody,
  GroupsQuery,
  GroupValuesQuery,
  GroupValuesResponse,
  VariableGroupResponse,
  VariableGroupsResponse,
} from "./schemas";
import { parseValues, unionFields } from "./validate";

const tags = ["Variable groups"];

const create = createRoute({
  method: "post",
  path: "/create/variable/group",
  tags,
  summary: "Create a variable group, or add to one",
  description:
    "A new `id` creates the group (`name` and `fields` required). An existing `id` adds the given fields to its own and merges the values: a number already in the group keeps the fields not given. " +
    "Every key of a row of values must be a field. All or nothing: any invalid row is a 400 and nothing is written. Input groups (created by campaigns with input buttons) cannot be written here.",
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: jsonBody(CreateVariableGroupBody),
  responses: {
    200: jsonContent(VariableGroupResponse, "The group existed; fields were added and values merged"),
    201: jsonContent(VariableGroupResponse, "The group was created"),
    ...errorResponses(400, 401, 403, 409, 413),
  },
});

const listDescription =
  "A JSON array, as the reference document shows, of every group: yours and the input groups campaigns created (`type: input`). " +
  "Up to `limit` (default and maximum 500) groups, oldest first; when there are more, the `X-Next-Cursor` header holds the `cursor` for the next page.";

const nextCursorHeader = {
  "X-Next-Cursor": {
    description: "Present when there are more groups: pass it as `cursor`",
    schema: { type: "string" as const },
  },
};

const retrieveGroups = retrieveRoutes(
  {
    path: "/retrieve/variable/groups",
    tags,
    input: GroupsQuery,
    middleware: managerOnly,
    get: { summary: "Retrieve variable groups (GET)", description: listDescription },
    post: { summary: "Retrieve variable groups", description: `${listDescription} The body may be empty.` },
    responses: {
      200: { ...jsonContent(VariableGroupsResponse, "The groups"), headers: nextCursorHeader },
      ...errorResponses(400, 401, 403),
    },
  },
  async (c, query, from) => {
    const after = decodeCursor(query.cursor, "number", from);
    const rows = await listGroups(c.var.db, c.var.principal.projectId, after, query.limit);
    const page = toPage(rows, query.limit, (r) => r.pk, toVariableGroup);
    // The doc's array, with the next page's cursor in a header.
    const headers = page.nextCursor === null ? undefined : { "X-Next-Cursor": page.nextCursor };
    return c.json(page.data, 200, headers);
  },
);

const valuesDescription =
  "The group's values, one row per number in number order, with cursor pagination. For an input group these are the presses its campaign's input buttons collected: `button`, `input` and `pressedAt` (the latest press of each number).";

const retrieveValues = retrieveRoutes(
  {
    path: "/retrieve/variable/group/values",
    tags,
    input: GroupValuesQuery,
    middleware: managerOnly,
    get: { summary: "Retrieve a variable group's values (GET)", description: valuesDescription },
    post: { summary: "Retrieve a variable group's values", description: valuesDescription },
    responses: {
      200: jsonContent(GroupValuesResponse, "A page of the group's values"),
      ...errorResponses(400, 401, 403, 404),
    },
  },
  async (c, query, from) => {
    const after = decodeCursor(query.cursor, "string", from);
    const group = await getGroup(c.var.db, c.var.principal.projectId, query.id);
    if (!group) throw notFound("variable group");
    const rows = await groupValues(c.var.db, group.pk, after, query.limit);
    const page = toPage(
      rows,
      query.limit,
      (r) => r.number,
      (r) => ({ ...r.values, number: r.number }),
    );
    return c.json(
      {
        status: "success" as const,
        variableGroup: toVariableGroup(group),
        values: page.data,
        nextCursor: page.nextCursor,
      },
      200,
    );
  },
);

export const variableGroupRoutes = router()
  .openapi(create, async (c) => {
    const body = c.req.valid("json");
    const { db, principal } = c.var;
    const existing = await getGroup(db, principal.projectId, body.id);
    if (existing?.kind === "input") {
      throw new ApiError(
        "conflict",
        `variable group ${body.id} is the input group of campaign ${existing.campaignId}: it holds that campaign's button presses and cannot be written here`,
      );
    }
    const errors = new FieldErrors();
    if (!existing && body.name === undefined) errors.add("name", "is required for a new variable group");
    if (!existing && (body.fields === undefined || body.fields.length === 0))
      errors.add("fields", "is required for a new variable group (at least one field)");
    const fields = unionFields((existing?.fields as string[] | undefined) ?? [], body.fields ?? [], errors);
    const values = parseValues(body.values ?? [], fields, errors);
    errors.throwIfAny();

    const name = body.name ?? (existing?.name as string);
    if (name !== existing?.name) {
      const other = await groupNamed(db, principal.projectId, name, body.id);
      if (other !== undefined) {
        throw new ApiError(
          "conflict",
          `a variable group named "${name}" already exists (id ${other}); names are unique because messages name groups by name`,
        );
      }
    }
    const group = await saveGroup(db, principal.projectId, {
      id: body.id,
      name,
      description: body.description,
      fields,
      values,
    });
    return c.json({ status: "success" as const, variableGroup: toVariableGroup(group) }, existing ? 200 : 201);
  })
  .route("/", retrieveGroups)
  .route("/", retrieveValues);
