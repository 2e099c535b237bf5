import { createRoute, z } from "@hono/zod-openapi";
import { HOUR } from "../../durable-objects/campaign-stats/series";
import { requireApiKey } from "../../platform/auth/api-key";
import { notFound } from "../../platform/errors";
import { router } from "../../platform/http/context";
import { ApiKeySecurity, errorResponses, jsonContent } from "../../platform/http/openapi";
import { campaignStats } from "./record";
import { CampaignIdParam, STATS_TAGS } from "./schemas";
import { campaignInProject, campaignSending, runInProject } from "./store";
import { movedLately, type TimelineQuery, timeline } from "./timeline";
import { TimelineQuerySchema, TimelineSchema } from "./timeline-schemas";

const WHAT =
  "A time series for charts: per minute (or hour), how many messages became sent, delivered, read and failed, from the same moves as the statistics, so the points sum to the counters. Minutes are kept for 48 hours, then folded into hours. Any key of the project may read it.";

const runTimeline = createRoute({
  method: "get",
  path: "/runs/{runId}/timeline",
  tags: ["Runs"],
  summary: "A run's time series",
  description: WHAT,
  security: ApiKeySecurity,
  middleware: [requireApiKey],
  request: {
    params: z.object({
      runId: z
        .string()
        .min(1)
        .max(64)
        .openapi({ param: { name: "runId", in: "path" }, example: "run_01a1fc6462283199bbc15fb0" }),
    }),
    query: TimelineQuerySchema,
  },
  responses: { 200: jsonContent(TimelineSchema, "The run's time series"), ...errorResponses(400, 401, 404) },
});

const campaignTimeline = createRoute({
  method: "get",
  path: "/campaigns/{campaignId}/timeline",
  tags: STATS_TAGS,
  summary: "A campaign's time series",
  description: `${WHAT} A campaign's sums all its runs (an API campaign's, all its messages).`,
  security: ApiKeySecurity,
  middleware: [requireApiKey],
  request: { params: CampaignIdParam, query: TimelineQuerySchema },
  responses: { 200: jsonContent(TimelineSchema, "The campaign's time series"), ...errorResponses(400, 401, 404) },
});

const asQuery = (q: z.infer<typeof TimelineQuerySchema>): TimelineQuery => ({
  resolution: q.resolution,
  ...(q.from === undefined ? {} : { from: Date.parse(q.from) }),
  ...(q.to === undefined ? {} : { to: Date.parse(q.to) }),
});

// The object reads its whole series (bounded: minutes for 48 hours, hours after) or the asked range,
// widened to whole hours: an hour's point sums its minutes.
const range = (q: TimelineQuery) =>
  [
    q.from === undefined ? 0 : q.from - (q.from % HOUR),
    q.to === undefined ? Number.MAX_SAFE_INTEGER : q.to - (q.to % HOUR) + HOUR - 1,
  ] as const;

export const timelineRoutes = router()
  .openapi(runTimeline, async (c) => {
    const run = await runInProject(c.var.db, c.var.principal.projectId, c.req.valid("param").runId);
    if (!run) throw notFound("run");
    const query = asQuery(c.req.valid("query"));
    const stored = await campaignStats(c.env, run.campaignId).series(run.id, ...range(query));
    const now = Date.now();
    return c.json(timeline(stored, query, run.sending || movedLately(stored, now), now), 200);
  })
  .openapi(campaignTimeline, async (c) => {
    const { db } = c.var;
    const { projectId } = c.var.principal;
    const { campaignId } = c.req.valid("param");
    if (!(await campaignInProject(db, projectId, campaignId))) throw notFound("campaign");
    const query = asQuery(c.req.valid("query"));
    const [stored, sending] = await Promise.all([
      campaignStats(c.env, campaignId).series(null, ...range(query)),
      campaignSending(db, projectId, campaignId),
    ]);
    const now = Date.now();
    return c.json(timeline(stored, query, sending || movedLately(stored, now), now), 200);
  });
