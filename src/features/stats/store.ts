import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { campaigns, isBroadcastRun, runs } from "../../platform/db/schema";

/**
 * Whether the project has a campaign with this id, of any kind (API or broadcast): the check that
 * makes another project's campaign answer exactly like one that does not exist. One indexed read.
 */
export async function campaignInProject(db: Db, projectId: string, campaignId: string): Promise<boolean> {
  const row = await db
    .select({ id: campaigns.id })
    .from(campaigns)
    .where(and(eq(campaigns.id, campaignId), eq(campaigns.projectId, projectId)))
    .get();
  return row !== undefined;
}

/** Run statuses in which messages are still being recorded or sent: a timeline's minutes then. */
const SENDING = ["fanning_out", "sending"] as const;

/** The project's run with this id (undefined: none, or another project's), and whether it is sending. */
export async function runInProject(db: Db, projectId: string, runId: string) {
  const row = await db
    .select({ id: runs.id, campaignId: runs.campaignId, status: runs.status })
    .from(runs)
    .where(and(eq(runs.id, runId), eq(runs.projectId, projectId), isBroadcastRun()))
    .get();
  return row && { ...row, sending: (SENDING as readonly string[]).includes(row.status) };
}

/** Whether any run of the campaign is sending (one read on the runs' campaign index). */
export async function campaignSending(db: Db, projectId: string, campaignId: string): Promise<boolean> {
  const row = await db
    .select({ id: runs.id })
    .from(runs)
    .where(
      and(
        eq(runs.projectId, projectId),
        eq(runs.campaignId, campaignId),
        inArray(runs.status, [...SENDING]),
        isBroadcastRun(),
      ),
    )
    .get();
  return row !== undefined;
}
