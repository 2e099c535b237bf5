import { and, eq, sql } from "drizzle-orm";
import { forgetProjectCampaigns } from "../../platform/campaign-cache";
import type { Db } from "../../platform/db/client";
import { campaigns, whatsappAccounts } from "../../platform/db/schema";
import type { Logger } from "../../platform/log";
import { requeueApiDays } from "../api-days/requeue";
import { requeueCampaignPages } from "../messages/requeue";
import type { TemplateStatusChange } from "./status";

// A template WhatsApp paused or disabled stops everything that sends it, held with the reason,
// never sent to fail at Meta (132015 / 132016); REINSTATED (APPROVED again) lets it all continue.
// - API campaigns on the template are paused with the reason: new sends are answered 409 with it,
//   queued ones stay queued (the sends gate holds a paused campaign's messages). Only campaigns
//   paused for this template are set live again, never one a person paused.
// - Broadcast runs under way wait for the template (features/runs/wake.ts, called by the webhook
//   handler above both features).

const HELD = new Set(["PAUSED", "DISABLED"]);

/** The start of every reason a template hold writes: how its release finds the campaigns it paused. */
const holdPrefix = (name: string) => `template "${name}" is `;

export function templateHoldReason(name: string, status: "PAUSED" | "DISABLED", reason: string | null) {
  return `${holdPrefix(name)}${status === "PAUSED" ? "paused" : "disabled"} by WhatsApp${reason ? ` (${reason})` : ""}`;
}

const pausedForTemplate = (name: string) =>
  sql`${campaigns.status} = 'paused' AND substr(coalesce(${campaigns.pausedReason}, ''), 1, ${holdPrefix(name).length}) = ${holdPrefix(name)}`;

/**
 * The template's status is one of `statuses` as the statement runs: a hold or release that lost
 * a race to a later status event (another invocation's) leaves the campaigns to that event's own
 * hold or release, so they always end as the template's last status says.
 */
const templateIs = (templateId: string, statuses: string[]) =>
  sql`EXISTS (SELECT 1 FROM templates t WHERE t.id = ${templateId} AND t.status IN (${sql.join(
    statuses.map((s) => sql`${s}`),
    sql`, `,
  )}))`;

async function holdApiCampaigns(db: Db, change: TemplateStatusChange, reason: string) {
  const held = await db
    .update(campaigns)
    .set({ status: "paused", pausedReason: reason, updatedAt: Date.now() })
    .where(
      and(
        eq(campaigns.projectId, change.projectId),
        eq(campaigns.kind, "api"),
        eq(campaigns.templateId, change.id),
        sql`(${campaigns.status} = 'live' OR (${pausedForTemplate(change.name)}))`,
        templateIs(change.id, ["PAUSED", "DISABLED"]),
      ),
    )
    .returning({ id: campaigns.id });
  return held.length;
}

/**
 * The hold a restricted or disabled WhatsApp account puts on the project (features/number-state),
 * if any: what a template's release hands its campaigns and runs over to instead of sending.
 */
export async function accountHoldOf(db: Db, projectId: string): Promise<string | null> {
  const row = await db
    .select({ reason: whatsappAccounts.holdReason })
    .from(whatsappAccounts)
    .where(eq(whatsappAccounts.projectId, projectId))
    .get();
  return row?.reason ?? null;
}

async function releaseApiCampaigns(
  env: Pick<Env, "SENDS" | "RUN_LEDGER"> | undefined,
  db: Db,
  change: TemplateStatusChange,
) {
  const accountHold = await accountHoldOf(db, change.projectId);
  const released = await db
    .update(campaigns)
    .set(
      accountHold
        ? { pausedReason: accountHold, updatedAt: Date.now() }
        : { status: "live", pausedReason: null, updatedAt: Date.now() },
    )
    .where(
      and(
        eq(campaigns.projectId, change.projectId),
        eq(campaigns.kind, "api"),
        eq(campaigns.templateId, change.id),
        pausedForTemplate(change.name),
        templateIs(change.id, ["APPROVED"]),
      ),
    )
    .returning({ id: campaigns.id });
  if (accountHold) return 0;
  // Without a queue binding (a direct call in a test), the every-15-minutes sweep requeues them.
  if (env) {
    for (const { id } of released) {
      await requeueCampaignPages(env, db, change.projectId, id);
      await requeueApiDays(env, db, change.projectId, id);
    }
  }
  return released.length;
}

/**
 * What the templates' status changes mean for their API campaigns: held on PAUSED / DISABLED,
 * released on APPROVED. Broadcast runs follow in features/runs/wake.ts.
 */
export async function followTemplateStatus(
  deps: { db: Db; log: Logger; env?: Pick<Env, "SENDS" | "RUN_LEDGER"> },
  changes: TemplateStatusChange[],
) {
  const { db, log, env } = deps;
  for (const change of changes) {
    const after = change.after;
    if (after && HELD.has(after.status)) {
      const reason = templateHoldReason(change.name, after.status as "PAUSED" | "DISABLED", after.rejectedReason);
      const held = await holdApiCampaigns(db, change, reason);
      if (held > 0) log.info("template hold", { templateId: change.id, apiCampaigns: held });
    } else if (after?.status === "APPROVED" && HELD.has(change.before.status)) {
      const released = await releaseApiCampaigns(env, db, change);
      if (released > 0) log.info("template hold released", { templateId: change.id, apiCampaigns: released });
    }
    forgetProjectCampaigns(change.projectId);
  }
}
