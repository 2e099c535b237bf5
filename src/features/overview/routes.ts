import { createRoute } from "@hono/zod-openapi";
import { requireApiKey } from "../../platform/auth/api-key";
import { ApiError } from "../../platform/errors";
import { router } from "../../platform/http/context";
import { ApiKeySecurity, errorResponses, jsonContent } from "../../platform/http/openapi";
import { readOverview } from "./read";
import { MAX_SINCE_MS, OverviewQuery, OverviewSchema } from "./schemas";

const get = createRoute({
  method: "get",
  path: "/overview",
  tags: ["Project"],
  summary: "Today's sends, the number and the latest campaigns",
  description:
    "What the dashboard's overview shows, in one call: the project's messages created since `since` (the start of the viewer's day) with delivery and read rates, the WhatsApp number's quality as Meta last reported it, and the 5 newest campaigns of both kinds. Cost: one D1 batch; rows read ≈ messages created since `since`. The messaging limit is `GET /v1/project/messaging-limit`. Any key of the project.",
  security: ApiKeySecurity,
  middleware: [requireApiKey],
  request: { query: OverviewQuery },
  responses: { 200: jsonContent(OverviewSchema, "The project's overview"), ...errorResponses(400, 401) },
});

const midnightUtc = (now: number) => now - (now % 86_400_000);

export const overviewRoutes = router().openapi(get, async (c) => {
  const now = Date.now();
  const { since: given } = c.req.valid("query");
  const since = given === undefined ? midnightUtc(now) : Date.parse(given);
  if (since > now || now - since > MAX_SINCE_MS) {
    throw new ApiError("validation_failed", "since must be within the last 48 hours", {
      fields: [{ field: "since", in: "query", message: "must be within the last 48 hours, not in the future" }],
    });
  }
  return c.json(await readOverview(c.env, c.var.db, c.var.principal.projectId, since), 200);
});
