import { eq } from "drizzle-orm";
import { forgetProjectCampaigns } from "../../platform/campaign-cache";
import type { Db } from "../../platform/db/client";
import { campaigns } from "../../platform/db/schema";
import type { Logger } from "../../platform/log";
import type { ProviderError } from "../../whatsapp/provider";
import { moveRun } from "../runs/store";
import type { Gate } from "./gate";

/**
 * Account-level: nothing will go through until a person fixes the account. The campaign (and the
 * run, which then shows why it stopped) is paused instead of failing every recipient, once per
 * batch; its messages stay queued and resuming sends them.
 */
export async function pauseForAccount(
  deps: { db: Db; log: Logger; gate: Gate; projectId: string },
  campaignId: string,
  runId: string | undefined,
  error: ProviderError,
) {
  const { db, log, gate } = deps;
  const reason = `WhatsApp account problem ${error.code ?? ""}: ${error.title}`.replace("  ", " ");
  if (!gate.held.has(campaignId)) {
    gate.held.add(campaignId);
    await db
      .update(campaigns)
      .set({ status: "paused", pausedReason: reason, updatedAt: Date.now() })
      .where(eq(campaigns.id, campaignId));
    forgetProjectCampaigns(deps.projectId);
    log.warn("campaign paused by an account-level error", { campaignId, code: error.code });
  }
  if (runId && !gate.held.has(runId)) {
    gate.held.add(runId);
    // Resuming the run sets the campaign live again.
    await moveRun(db, runId, ["fanning_out", "sending"], "paused", { statusReason: reason });
  }
}
