import { createRoute } from "@hono/zod-openapi";
import { requireApiKey } from "../../platform/auth/api-key";
import { router } from "../../platform/http/context";
import { ApiKeySecurity, errorResponses, jsonContent } from "../../platform/http/openapi";
import { limitStanding } from "./check";
import { MessagingLimitSchema } from "./schemas";

const get = createRoute({
  method: "get",
  path: "/messaging-limit",
  tags: ["Project"],
  summary: "The messaging limit and what is left of it",
  description:
    "Meta's limit on unique recipients of business-initiated messages per moving 24 hours (shared by the business portfolio's numbers since October 2025), read from Meta when the account is connected and every hour, and from Meta's webhooks; and how many unique recipients the last 24 hours used. Any key of the project.",
  security: ApiKeySecurity,
  middleware: [requireApiKey],
  responses: { 200: jsonContent(MessagingLimitSchema, "Where the project stands"), ...errorResponses(401) },
});

export const messagingLimitRoutes = router().openapi(get, async (c) => {
  return c.json(await limitStanding(c.env, c.var.db, c.var.principal.projectId), 200);
});
