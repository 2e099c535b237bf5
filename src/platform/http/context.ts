import { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { Config } from "../config";
import type { Db } from "../db/client";
import { fromZodError } from "../errors";
import type { Logger } from "../log";

export type Role = "manager" | "sender";

export interface Principal {
  projectId: string;
  keyId: string;
  role: Role;
}

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    log: Logger;
    config: Config;
    db: Db;
    principal: Principal;
  };
}

/** A router whose validation failures become the one error envelope, behind `middleware`. */
export function router(...middleware: MiddlewareHandler<AppEnv>[]) {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw fromZodError(result.error, result.target);
    },
  });
  if (middleware.length > 0) app.use("*", ...middleware);
  return app;
}
