import { createRoute, type RouteConfig, type z } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { fromZodError } from "../errors";
import { type AppEnv, router } from "./context";
import { emptyBodyAsObject } from "./empty-body";
import { ApiKeySecurity, errorResponses } from "./openapi";

/** Where a retrieve call's fields were read from, so that a bad one is reported there. */
export type InputFrom = "query" | "body";

interface RetrieveConfig<I extends z.ZodObject> {
  path: string;
  tags: string[];
  /** The fields, read from the query of the GET and from the JSON body of the POST. */
  input: I;
  middleware: MiddlewareHandler<AppEnv>[];
  get: { summary: string; description: string };
  post: { summary: string; description: string };
  responses: RouteConfig["responses"];
}

/**
 * The reference document's retrieve calls: the same fields as GET query parameters or as a POST
 * JSON body, which its examples often leave out altogether. Both routes come from one definition
 * and are answered by one handler, given the checked fields and where they came from.
 */
export function retrieveRoutes<I extends z.ZodObject>(
  config: RetrieveConfig<I>,
  handle: (c: Context<AppEnv>, input: z.output<I>, from: InputFrom) => Response | Promise<Response>,
) {
  const { input, get, post, ...shared } = config;
  const getRoute = createRoute({
    ...shared,
    ...get,
    method: "get",
    security: ApiKeySecurity,
    request: { query: input },
  });
  const postRoute = createRoute({
    ...shared,
    ...post,
    method: "post",
    security: ApiKeySecurity,
    middleware: [...shared.middleware, emptyBodyAsObject],
    request: { body: { content: { "application/json": { schema: input } }, required: false } },
    responses: { ...shared.responses, ...errorResponses(413) },
  });
  // One generic handler answers both routes, so neither its input nor its answer can be typed
  // against the routes' own schemas here; `input` is what both routes validate against.
  return router()
    .openapi(getRoute, (c) => handle(c, c.req.valid("query" as never) as z.output<I>, "query") as never)
    .openapi(postRoute, (c) => handle(c, bodyInput(input, c.req.valid("json" as never)), "body") as never);
}

// A request without Content-Type (and so without a body) reaches the handler as a bare `{}` that
// skipped validation; parsing it here gives it the schema's defaults like any other body.
function bodyInput<I extends z.ZodObject>(schema: I, value: unknown): z.output<I> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw fromZodError(result.error, "json");
  return result.data;
}
