import { createRoute } from "@hono/zod-openapi";
import { requireAdmin } from "../../platform/auth/admin";
import { databaseBytes } from "../../platform/db/size";
import { router } from "../../platform/http/context";
import { AdminSecurity, errorResponses, jsonContent } from "../../platform/http/openapi";
import { iso } from "../../platform/time";
import { storageReport } from "./report";
import { StorageReportSchema } from "./schemas";
import { recentSamples } from "./store";

const report = createRoute({
  method: "get",
  path: "/",
  tags: ["Operator"],
  summary: "The database's size, growth and days left",
  description:
    "How full the D1 database is, how fast it has grown over the last week and how many days are left before its ceiling at that rate, with the hourly readings the every-minute cron records. `warning` says when to act (docs/scaling.md#warning-before-the-ceiling); the cron also logs it at error level once an hour.",
  security: AdminSecurity,
  responses: { 200: jsonContent(StorageReportSchema, "The database's storage report"), ...errorResponses(401) },
});

export const storageRoutes = router(requireAdmin).openapi(report, async (c) => {
  const now = Date.now();
  // From the primary: a replica's size lags the writes that matter here.
  const bytes = await databaseBytes(c.env.DB);
  const result = storageReport(bytes, await recentSamples(c.var.db, now), now, c.var.config);
  return c.json(
    {
      ...result,
      measuredAt: iso(result.measuredAt),
      samples: result.samples.map((s) => ({ at: iso(s.at), bytes: s.bytes })),
    },
    200,
  );
});
