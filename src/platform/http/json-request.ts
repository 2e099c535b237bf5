import { type RouteConfig, z } from "@hono/zod-openapi";
import type { HonoRequest, MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { fromZodError } from "../errors";
import type { AppEnv } from "./context";

// @hono/zod-openapi's own rules for a route with a required JSON body, as it applies them: a
// content type it accepts as JSON (it answers anything else 415), and the media type, before any
// `;`, that it reads as JSON (anything else is validated as `{}`).
const JSON_REQUEST = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;
const JSON_MEDIA = /^application\/([\w.-]+\+)?json$/i;

type HeaderSchema = z.ZodObject;
type Validated<H extends HeaderSchema, B extends z.ZodType> = {
  in: { header: z.input<H>; json: z.input<B> };
  out: { header: z.output<H>; json: z.output<B> };
};

/**
 * A route's headers and required JSON body validated as `app.openapi(route, …)` validates them —
 * headers first, then the content type, then the body, with the same answers for each failure —
 * in one middleware instead of three: only the declared headers are read, and the schemas are
 * parsed synchronously. For the routes that hundreds of requests a second go through; the route
 * stays in the OpenAPI document (`registerPath`), built from the same schemas.
 */
export function jsonRequest<H extends HeaderSchema, B extends z.ZodType>(route: {
  request: { headers: H; body: { content: { "application/json": { schema: B } }; required?: boolean } };
}): MiddlewareHandler<AppEnv, string, Validated<H, B>> {
  const headers = route.request.headers;
  const body = route.request.body.content["application/json"].schema;
  const { body: _body, headers: _headers, ...others } = route.request as RouteConfig["request"] & object;
  const { content, required } = route.request.body;
  if (Object.keys(others).length > 0 || Object.keys(content).length !== 1 || required !== true) {
    throw new Error("jsonRequest validates headers and a required JSON body, nothing else");
  }
  const names = Object.keys(headers.shape);

  return async (c, next) => {
    // A strip-mode object reads only its own keys, so the other headers never mattered.
    const given: Record<string, string> = {};
    for (const name of names) {
      const value = c.req.header(name);
      if (value !== undefined) given[name] = value;
    }
    const header = await parse(headers, given, "header");

    const contentType = c.req.header("content-type");
    if (contentType ? !JSON_REQUEST.test(contentType) : await hasBody(c.req)) {
      throw new HTTPException(415, { message: "Unsupported Media Type" });
    }
    let value: unknown = {};
    if (contentType && JSON_MEDIA.test(contentType.split(";")[0]?.trim() ?? "")) {
      try {
        // The API-key check may have parsed it already (platform/auth/api-key.ts).
        value = await (c.req.bodyCache.json ?? c.req.json());
      } catch {
        throw new HTTPException(400, { message: "Malformed JSON in request body" });
      }
    }
    const json = await parse(body, value, "json");

    c.req.addValidatedData("header", header as object);
    c.req.addValidatedData("json", json as object);
    await next();
  };
}

async function parse<S extends z.ZodType>(schema: S, value: unknown, target: "header" | "json"): Promise<z.output<S>> {
  const result = parsedNow(schema, value) ?? (await schema.safeParseAsync(value));
  if (!result.success) throw fromZodError(result.error, target);
  return result.data;
}

/** The parse without a promise, or undefined for a schema with async refinements or transforms. */
function parsedNow<S extends z.ZodType>(schema: S, value: unknown) {
  try {
    return schema.safeParse(value);
  } catch (err) {
    if (err instanceof z.core.$ZodAsyncError) return undefined;
    throw err;
  }
}

/** Whether a request without a content type still carries bytes (@hono/zod-openapi's test). */
async function hasBody(req: HonoRequest): Promise<boolean> {
  const raw = req.raw;
  if (raw.body === null) return false;
  if (raw.bodyUsed) return (await req.arrayBuffer()).byteLength > 0;
  const reader = raw.clone().body?.getReader();
  if (!reader) return false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return false;
      if (value.byteLength > 0) return true;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
