import { forgetProjectCampaigns } from "../../platform/campaign-cache";
import type { Db } from "../../platform/db/client";
import type { StatusChange, Transition } from "../../platform/db/schema";
import type { Logger } from "../../platform/log";
import type { EventsBody } from "../../queues/contracts";
import { decodeCallback } from "../../whatsapp/message-ref";
import { WebhookPayloadSchema, type WebhookStatus } from "../../whatsapp/webhook/payload";
import { handleInbound, inboundConfig } from "../inbound/handle";
import { applyStatuses, type StatusUpdate } from "../messages/apply-statuses";
import { wakeRunsForTemplates } from "../runs/wake";
import { applyTemplateStatusUpdate } from "../templates/status";

function toChange(status: WebhookStatus): StatusChange | null {
  if (!["sent", "delivered", "read", "failed"].includes(status.status)) return null;
  const error = status.errors?.[0];
  return {
    status: status.status as StatusChange["status"],
    at: Number(status.timestamp) * 1000 || Date.now(),
    wamid: status.id,
    error: error
      ? {
          code: error.code,
          title: error.title ?? "error",
          message: error.error_data?.details ?? error.message ?? error.title ?? "",
        }
      : undefined,
  };
}

/**
 * Applies one verified webhook payload's template status updates and inbound messages, and returns
 * its message statuses for the caller to apply: the events consumer applies a whole batch's
 * statuses together (features/messages/apply-statuses.ts).
 */
export async function handleAllButStatuses(
  db: Db,
  event: EventsBody,
  log: Logger,
  /** Runs waiting for a template are woken through the jobs queue when its review changes. */
  env?: Pick<Env, "JOBS">,
): Promise<StatusUpdate[]> {
  const statuses: StatusUpdate[] = [];
  const parsed = WebhookPayloadSchema.safeParse(event.payload);
  if (!parsed.success) {
    // Verified but not in a shape we know: keep a trace, retrying cannot help.
    log.warn("webhook payload not understood", { projectId: event.projectId, issues: parsed.error.issues.length });
    return statuses;
  }
  for (const entry of parsed.data.entry) {
    for (const change of entry.changes) {
      if (change.field === "message_template_status_update" && change.value.event) {
        // Scoped to the project whose signature verified the payload: a payload signed for one
        // project cannot change another project's templates by naming its account.
        const applied = await applyTemplateStatusUpdate(db, {
          projectId: event.projectId,
          wabaId: entry.id,
          providerTemplateId: String(change.value.message_template_id ?? ""),
          name: change.value.message_template_name,
          language: change.value.message_template_language,
          event: change.value.event,
          reason: change.value.reason ?? null,
        });
        // Sends read a campaign's template status from a short cache: let this isolate see the change now.
        forgetProjectCampaigns(event.projectId);
        if (env && applied.changes.length > 0) {
          try {
            await wakeRunsForTemplates(
              env,
              db,
              applied.changes.map((change) => change.id),
            );
          } catch (err) {
            // The review is applied; the every-minute sweep wakes the runs instead.
            log.warn("could not wake runs waiting for a template", { err });
          }
        }
        continue;
      }
      if ((change.field === "messages" && change.value.messages) || change.field === "user_preferences") {
        await handleInbound(db, inboundConfig(), event.projectId, change.value, log);
      }
      for (const status of change.value.statuses ?? []) {
        const statusChange = toChange(status);
        if (!statusChange) continue;
        const ref = decodeCallback(status.biz_opaque_callback_data);
        statuses.push(
          ref
            ? { projectId: event.projectId, messageId: ref.messageId, change: statusChange }
            : { projectId: event.projectId, wamid: status.id, change: statusChange },
        );
      }
    }
  }
  return statuses;
}

/** Applies one verified webhook payload whole: templates, inbound messages, then its statuses. */
export async function handleWebhookEvent(
  db: Db,
  event: EventsBody,
  log: Logger,
  env?: Pick<Env, "JOBS">,
): Promise<Transition[]> {
  return applyStatuses(db, await handleAllButStatuses(db, event, log, env), { log });
}
