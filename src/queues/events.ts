import { forgetProjectCampaigns } from "../campaigns/cache";
import { createDb, type Db } from "../db/client";
import { createLogger, type Logger, logLevel } from "../lib/log";
import { decodeCallback } from "../messages/callback";
import { applyStatus, type StatusChange } from "../messages/status";
import { applyTemplateStatusUpdate } from "../templates/status";
import { type WebhookEventMessage, WebhookPayloadSchema, type WebhookStatus } from "../whatsapp/webhook";
import { backoffSeconds } from "./sends";

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

/** Applies one verified webhook payload: message statuses and template status updates. */
export async function handleWebhookEvent(db: Db, event: WebhookEventMessage, log: Logger) {
  const parsed = WebhookPayloadSchema.safeParse(event.payload);
  if (!parsed.success) {
    // Verified but not in a shape we know: keep a trace, retrying cannot help.
    log.warn("webhook payload not understood", { projectId: event.projectId, issues: parsed.error.issues.length });
    return;
  }
  for (const entry of parsed.data.entry) {
    for (const change of entry.changes) {
      if (change.field === "message_template_status_update" && change.value.event) {
        // Scoped to the project whose signature verified the payload: a payload signed for one
        // project cannot change another project's templates by naming its account.
        await applyTemplateStatusUpdate(db, {
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
        continue;
      }
      for (const status of change.value.statuses ?? []) {
        const statusChange = toChange(status);
        if (!statusChange) continue;
        const ref = decodeCallback(status.biz_opaque_callback_data);
        await applyStatus(
          db,
          ref
            ? { projectId: event.projectId, messageId: ref.messageId }
            : { projectId: event.projectId, wamid: status.id },
          statusChange,
        );
      }
    }
  }
}

export async function consumeEvents(batch: MessageBatch, env: Env) {
  const db = createDb(env.DB);
  const log = createLogger({ queue: batch.queue }, logLevel(env));
  for (const message of batch.messages) {
    try {
      await handleWebhookEvent(db, message.body as WebhookEventMessage, log);
      message.ack();
    } catch (err) {
      log.error("webhook event failed; will retry", { err });
      message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    }
  }
}
