import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { campaigns, runs } from "../../platform/db/schema";
import { sendJobs } from "../../queues/producers";

/**
 * Called where template reviews are applied (Meta's status webhook): the runs waiting for one of
 * these templates get a run-start job, which approves, keeps waiting or fails them. The sweep
 * repeats this every minute for any review that arrives another way.
 */
export async function wakeRunsForTemplates(env: Pick<Env, "JOBS">, db: Db, templateIds: string[]) {
  if (templateIds.length === 0) return 0;
  const waiting = await db
    .select({ id: runs.id, projectId: runs.projectId })
    .from(runs)
    .innerJoin(campaigns, eq(campaigns.id, runs.campaignId))
    .where(and(eq(runs.status, "waiting_template"), inArray(campaigns.templateId, [...new Set(templateIds)])))
    .all();
  await sendJobs(
    env,
    waiting.map((r) => ({ kind: "run-start", runId: r.id, projectId: r.projectId })),
  );
  return waiting.length;
}
