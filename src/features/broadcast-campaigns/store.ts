import { and, asc, eq, gt, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { campaigns, type RUN_STATUSES } from "../../platform/db/schema";
import {
  type BroadcastCampaign,
  isBroadcast,
  selectBroadcastCampaigns,
  toBroadcastCampaign,
} from "../broadcast-messages/campaign";

// D1 access for broadcast campaigns (kind "broadcast"). API-campaign code (./store.ts) filters on
// kind "api", so neither style ever reads the other's rows.

/**
 * A campaign is active while one of its runs can still send: waiting for its time or its
 * template's approval, recording recipients, sending, or paused (a person may resume it).
 * Completed, cancelled and failed runs cannot send again.
 */
export const ACTIVE_RUN_STATUSES = [
  "scheduled",
  "waiting_template",
  "fanning_out",
  "sending",
  "paused",
] as const satisfies readonly (typeof RUN_STATUSES)[number][];

const ACTIVE_LIST = sql.raw(ACTIVE_RUN_STATUSES.map((s) => `'${s}'`).join(", "));

// Correlated on the campaign; runs_project_campaign (project_id, campaign_id, created_at) answers it.
const hasActiveRun = sql`EXISTS (SELECT 1 FROM runs r WHERE r.project_id = ${campaigns.projectId} AND r.campaign_id = ${campaigns.id} AND r.status IN (${ACTIVE_LIST}))`;

export async function broadcastTitleTaken(db: Db, projectId: string, title: string): Promise<boolean> {
  const row = await db
    .select({ id: campaigns.id })
    .from(campaigns)
    .where(and(isBroadcast(projectId), eq(campaigns.name, title)))
    .get();
  return row !== undefined;
}

/** `limit + 1` broadcast campaigns after `afterId`, oldest first; `active` filters on hasActiveRun. */
export async function listBroadcastCampaigns(
  db: Db,
  projectId: string,
  filter: { active?: boolean },
  afterId: string | undefined,
  limit: number,
): Promise<BroadcastCampaign[]> {
  const rows = await selectBroadcastCampaigns(db)
    .where(
      and(
        isBroadcast(projectId),
        afterId === undefined ? undefined : gt(campaigns.id, afterId),
        filter.active === undefined ? undefined : filter.active ? hasActiveRun : sql`NOT ${hasActiveRun}`,
      ),
    )
    .orderBy(asc(campaigns.id))
    .limit(limit + 1)
    .all();
  return rows.map(toBroadcastCampaign);
}
