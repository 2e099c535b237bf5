import { createRoute, z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { toApiError } from "../../src/platform/errors";
import { router } from "../../src/platform/http/context";
import { jsonRequest } from "../../src/platform/http/json-request";

// The one-pass validator reproduces @hono/zod-openapi's checks for headers and a required JSON body;
// what it was not written for must fail when the route is defined, not quietly skip a check.
const headers = z.object({ "idempotency-key": z.string().optional() });
const schema = z.object({ name: z.string() });
const body = { content: { "application/json": { schema } }, required: true };
const responses = { 200: { description: "ok" } };

describe("jsonRequest", () => {
  it("takes a route with headers and a required JSON body", () => {
    const route = createRoute({ method: "post", path: "/", request: { headers, body }, responses });
    expect(typeof jsonRequest(route)).toBe("function");
  });

  it.each([
    ["query parameters", { headers, body, query: z.object({ q: z.string() }) }],
    ["path parameters", { headers, body, params: z.object({ id: z.string() }) }],
    ["an optional body", { headers, body: { ...body, required: false } }],
    [
      "a second media type",
      { headers, body: { ...body, content: { ...body.content, "text/csv": { schema: z.string() } } } },
    ],
  ])("refuses a route with %s, which it would not validate", (_label, request) => {
    const route = createRoute({ method: "post", path: "/", request, responses });
    expect(() => jsonRequest(route as Parameters<typeof jsonRequest>[0])).toThrow(/nothing else/);
  });
});

describe("jsonRequest with a schema that checks asynchronously", () => {
  // Parsed synchronously when it can be; a schema with an async refinement still gets its answer.
  const slow = z.object({ name: z.string().refine(async (name) => name !== "taken", "is taken") });
  const route = createRoute({
    method: "post",
    path: "/",
    request: { headers, body: { content: { "application/json": { schema: slow } }, required: true } },
    responses,
  });
  const app = router();
  app.onError((err, c) =>
    c.json({ code: toApiError(err).code, fields: toApiError(err).fields }, toApiError(err).status),
  );
  app.post("/", jsonRequest(route), (c) => c.json(c.req.valid("json")));
  const post = (body: unknown) =>
    app.request("/", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  it("accepts what the refinement accepts", async () => {
    const response = await post({ name: "free" });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ name: "free" });
  });

  it("refuses what it refuses, naming the field", async () => {
    const response = await post({ name: "taken" });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      code: "validation_failed",
      fields: [{ field: "name", in: "body", message: "is taken" }],
    });
  });
});
