import { createRoute, z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { COUNTERS, type StatsSnapshot } from "../../durable-objects/campaign-stats/counters";
import { requireAdmin } from "../../platform/auth/admin";
import { campaigns, runs } from "../../platform/db/schema";
import { ApiError, notFound } from "../../platform/errors";
import { router } from "../../platform/http/context";
import { AdminSecurity, errorResponses, jsonContent } from "../../platform/http/openapi";
import { CampaignIdParam } from "../stats/schemas";
import { outbox } from ".";

// Counters here may be anything a fault left behind (even below zero), so they are plain integers.
const Counters = z.record(z.string(), z.number().int()).openapi({ description: "Counter name → value" });

const RecountSchema = z
  .object({
    campaignId: z.string(),
    through: z.number().int().openapi({ description: "The last ledger history row (message_events.id) counted" }),
    before: z.record(z.string(), Counters).openapi({ description: "The counters per run before the recount" }),
    after: z
      .record(z.string(), Counters)
      .openapi({ description: "The counters per run counted from D1, now in place" }),
    differences: z
      .array(z.object({ runId: z.string(), counter: z.string(), before: z.number().int(), after: z.number().int() }))
      .openapi({ description: "Every counter that changed; empty when the counters matched the ledger" }),
  })
  .openapi("Recount");

const recount = createRoute({
  method: "post",
  path: "/{campaignId}/recount",
  tags: ["Operator"],
  summary: "Recount a campaign's counters from D1",
  description:
    "Counts the campaign's messages in D1 again, per run, replaces the counters its statistics object holds, and reports every counter that differed. Counters follow the ledger exactly, so a difference means a fault the outbox could not repair; the recount runs between two outbox drains, so no transition is counted twice or missed. A campaign with a run (or an API campaign with a day) that keeps its messages in its own object (docs/scaling.md) is not recounted: `409`.",
  security: AdminSecurity,
  request: { params: CampaignIdParam },
  responses: {
    200: jsonContent(RecountSchema, "The counters before and after"),
    ...errorResponses(400, 401, 404, 409),
  },
});

const byRun = (snapshot: StatsSnapshot) =>
  Object.fromEntries(
    Object.entries(snapshot.runs).map(([runId, stats]) => [
      runId,
      Object.fromEntries(COUNTERS.map((name) => [name, stats[name]])),
    ]),
  );

export const recountRoutes = router(requireAdmin).openapi(recount, async (c) => {
  const { campaignId } = c.req.valid("param");
  const campaign = await c.var.db
    .select({ id: campaigns.id })
    .from(campaigns)
    .where(eq(campaigns.id, campaignId))
    .get();
  if (!campaign) throw notFound("campaign");
  // A run kept in its own object has no message in D1: a recount from D1 would wipe its counters.
  // Those runs' counters move in the object's own transactions (src/features/run-ledger).
  const inObject = await c.var.db
    .select({ id: runs.id })
    .from(runs)
    .where(and(eq(runs.campaignId, campaignId), eq(runs.ledger, "object")))
    .get();
  if (inObject) {
    throw new ApiError(
      "conflict",
      `the campaign's run ${inObject.id} keeps its messages in its own object, not in D1: it cannot be recounted from D1`,
    );
  }
  const result = await outbox(c.env).recount(campaignId);
  const before = byRun(result.before);
  const after = byRun(result.after);
  const differences = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort().flatMap((runId) =>
    COUNTERS.flatMap((counter) => {
      const was = before[runId]?.[counter] ?? 0;
      const now = after[runId]?.[counter] ?? 0;
      return was === now ? [] : [{ runId, counter, before: was, after: now }];
    }),
  );
  if (differences.length > 0) c.var.log.warn("campaign recounted with differences", { campaignId, differences });
  return c.json({ campaignId, through: result.through, before, after, differences }, 200);
});
