import { sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { templateOfSql } from "../../platform/db/schema";
import { parseLedgerMessageId } from "../../platform/ids";
import type { Logger } from "../../platform/log";
import type { ProviderError } from "../../whatsapp/provider";
import { followTemplateStatusInRuns } from "../runs/wake";
import { followTemplateStatus } from "../templates/hold";
import { applyTemplateStatusUpdate } from "../templates/status";
import type { Gate } from "./gate";

// WhatsApp answered a send saying the template is paused or disabled (error 132015 / 132016, or an
// accepted send's `message_status: paused`): Meta's webhook saying so may come later or not at all,
// so the sender applies it at once, as that webhook would — the template marked, its API campaigns
// paused and its runs waiting with the reason — and Meta's REINSTATED releases them as usual.
// Messages refused this way were not sent: they wait, queued (./record-outcomes.ts).

export interface TemplateHoldDeps {
  db: Db;
  log: Logger;
  env: Pick<Env, "JOBS" | "SENDS" | "RUN_LEDGER">;
  gate: Gate;
  projectId: string;
  wabaId: string;
}

/** 132016 and a disabled answer hold as DISABLED; anything else that names a pause, as PAUSED. */
export const heldStatusOf = (error: ProviderError | null): "PAUSED" | "DISABLED" =>
  error?.code === 132016 ? "DISABLED" : "PAUSED";

/**
 * Holds the template of message `messageId` as `status`, once per template and batch (the gate
 * remembers it). Does nothing for a message whose template is unknown here (deleted meanwhile).
 */
export async function holdTemplateOf(
  deps: TemplateHoldDeps,
  messageId: string,
  status: "PAUSED" | "DISABLED",
  reason: string,
  campaignId?: string | null,
) {
  const { db, log, gate } = deps;
  type Row = { id: string; provider_template_id: string | null; name: string; language: string };
  // A run's message names no template: its campaign's does (src/platform/db/schema/messages.ts).
  // A message in its run's own object is not in D1 at all: its campaign names the template.
  const template = await db.get<Row>(
    parseLedgerMessageId(messageId)
      ? sql`
        SELECT t.id, t.provider_template_id, t.name, t.language FROM campaigns c
        JOIN templates t ON t.id = c.template_id WHERE c.id = ${campaignId ?? ""} AND c.project_id = ${deps.projectId}`
      : sql`
        SELECT t.id, t.provider_template_id, t.name, t.language FROM messages m
        JOIN templates t ON t.id = ${sql.raw(templateOfSql("m"))}
        WHERE m.id = ${messageId} AND m.project_id = ${deps.projectId}`,
  );
  if (!template || gate.held.has(template.id)) return;
  gate.held.add(template.id);
  const applied = await applyTemplateStatusUpdate(db, {
    wabaId: deps.wabaId,
    projectId: deps.projectId,
    providerTemplateId: template.provider_template_id ?? "",
    name: template.name,
    language: template.language,
    event: status,
    reason,
    detail: {
      rejectionInfo: null,
      statusEvent: { event: status, reason, disableDate: null, title: null, description: null, at: Date.now() },
    },
  });
  const follow = { db, log, env: deps.env };
  await followTemplateStatus(follow, applied.changes);
  await followTemplateStatusInRuns(follow, applied.changes);
  if (applied.changes.length > 0) {
    log.warn("template held after WhatsApp's answer to a send", { templateId: template.id, status, reason });
  }
}
