import { ACCOUNT_ERROR_RETRY_SECONDS } from "../../queues/backoff";
import type { SendsBody } from "../../queues/contracts";
import { failureLabel } from "../../whatsapp/error-labels";
import { pauseForAccount } from "./account-pause";
import { runIdOf } from "./gate";
import { retryDelayFor } from "./pacing";
import type { SendOutcome } from "./record-outcomes";
import type { SliceContext } from "./slice-context";
import { heldStatusOf, holdTemplateOf, type TemplateHoldDeps } from "./template-hold";

const templateHold = (ctx: SliceContext): TemplateHoldDeps => ({
  db: ctx.db,
  log: ctx.log,
  env: ctx.env,
  gate: ctx.gate,
  projectId: ctx.account.projectId,
  wabaId: ctx.account.wabaId,
});

/** Acks or retries one queue message according to its send outcome. */
export async function settle(ctx: SliceContext, message: Message<SendsBody>, outcome: SendOutcome | undefined) {
  const campaignId = message.body.campaignId ?? null;
  // Sent, but Meta says the template is paused: what sends it next is held (the message itself is
  // Meta's now, settled by its status webhooks).
  if (outcome?.kind === "sent" && outcome.messageStatus === "paused") {
    const reason = "WhatsApp answered a send of this template as paused";
    await holdTemplateOf(templateHold(ctx), message.body.messageId, "PAUSED", reason, campaignId);
  }
  // No outcome: another delivery had already claimed the message.
  // An unknown outcome is Meta's to settle (a status webhook): never sent again from the queue.
  if (!outcome || outcome.kind === "sent" || outcome.kind === "failed" || outcome.kind === "unknown") {
    message.ack();
    return;
  }
  if (outcome.kind === "template") {
    // Not sent, and queued again: the hold keeps it so until Meta reinstates the template.
    const { code, title } = outcome.error;
    const reason = `WhatsApp refused a send: ${failureLabel(code, title)} (${code})`;
    await holdTemplateOf(templateHold(ctx), message.body.messageId, heldStatusOf(outcome.error), reason, campaignId);
    message.ack();
    return;
  }
  if (outcome.kind === "retry") {
    message.retry({ delaySeconds: await retryDelayFor(ctx.governor, outcome.error, message.attempts) });
    return;
  }
  if (campaignId) {
    await pauseForAccount(
      { db: ctx.db, log: ctx.log, gate: ctx.gate, projectId: ctx.account.projectId },
      campaignId,
      runIdOf(message.body),
      outcome.error,
    );
    message.ack();
  } else {
    message.retry({ delaySeconds: ACCOUNT_ERROR_RETRY_SECONDS });
  }
}
