import { forgetProjectCampaigns } from "../features/api-campaigns/cache";
import { afterTransitions } from "../features/delivery/after-transitions";
import { handleInbound, inboundConfig } from "../features/inbound/handle";
import { applyStatus, type StatusChange, type Transition } from "../features/messages/status";
import { wakeRunsForTemplates } from "../features/runs/wake";
import { applyTemplateStatusUpdate } from "../features/templates/status";
import { createDb, type Db } from "../platform/db/client";
import { createLogger, type Logger, logLevel } from "../platform/log";
import { backoffSeconds } from "../queues/backoff";
import type { EventsBody } from "../queues/contracts";
import { decodeCallback } from "../whatsapp/message-ref";
import { WebhookPayloadSchema, type WebhookStatus } from "../whatsapp/webhook/payload";

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
export async function handleWebhookEvent(
  db: Db,
  event: EventsBody,
  log: Logger,
  /** Runs waiting for a template are woken through the jobs queue when its review changes. */
  env?: Pick<Env, "JOBS">,
): Promise<(Transition | null)[]> {
  const transitions: (Transition | null)[] = [];
  const parsed = WebhookPayloadSchema.safeParse(event.payload);
  if (!parsed.success) {
    // Verified but not in a shape we know: keep a trace, retrying cannot help.
    log.warn("webhook payload not understood", { projectId: event.projectId, issues: parsed.error.issues.length });
    return transitions;
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
        const transition = await applyStatus(
          db,
          ref
            ? { projectId: event.projectId, messageId: ref.messageId }
            : { projectId: event.projectId, wamid: status.id },
          statusChange,
        );
        transitions.push(transition);
      }
    }
  }
  return transitions;
}

export async function consumeEvents(batch: MessageBatch, env: Env) {
  const db = createDb(env.DB);
  const log = createLogger({ queue: batch.queue }, logLevel(env));
  const transitions: (Transition | null)[] = [];
  // Events of one batch are applied concurrently: each status change is a compare-and-set, so two
  // statuses of one message racing each other still apply in a valid order, each at most once.
  await Promise.all(
    batch.messages.map(async (message) => {
      try {
        transitions.push(...(await handleWebhookEvent(db, message.body as EventsBody, log, env)));
        message.ack();
      } catch (err) {
        log.error("webhook event failed; will retry", { err });
        message.retry({ delaySeconds: backoffSeconds(message.attempts) });
      }
    }),
  );
  await afterTransitions(env, db, transitions, log);
}
