import { createMiddleware } from "hono/factory";
import { secretsEqual } from "../crypto";
import { ApiError } from "../errors";
import type { AppEnv } from "../http/context";
import { ACCESS_HEADER, accessExpiry } from "./access";
import { presentedSession } from "./session";

/** Operator routes: `Authorization: Bearer <ADMIN_TOKEN>`, the dashboard's operator session cookie, or a Cloudflare Access JWT when Access is configured. */
export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  const presented = c.req
    .header("authorization")
    ?.replace(/^Bearer\s+/i, "")
    .trim();
  if (!presented) {
    if ((await presentedSession(c))?.kind === "admin") return next();
    if ((await accessExpiry(c.var.config, c.req.header(ACCESS_HEADER))) !== null) return next();
  }
  if (!presented || !(await secretsEqual(presented, c.var.config.ADMIN_TOKEN))) {
    throw new ApiError("unauthorized", "operator routes need `Authorization: Bearer <ADMIN_TOKEN>`", {
      headers: { "WWW-Authenticate": 'Bearer realm="admin"' },
    });
  }
  await next();
});
