import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./context";

/**
 * The reference document's retrieve calls are POSTs with `Content-Type: application/json` and no
 * body at all (`curl --request POST … --header 'Content-Type: application/json'`). An empty body
 * is read as `{}` here, so those calls get their defaults instead of a malformed-JSON 400.
 */
export const emptyBodyAsObject = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.method === "POST" && /json/i.test(c.req.header("content-type") ?? "")) {
    const text = await c.req.text();
    // Hono caches the body as a promise per reader (its type says otherwise); json() reads `text`.
    if (text.trim() === "") (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve("{}");
  }
  await next();
});
