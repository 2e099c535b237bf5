import type { RunCampaign } from "./store";

export type Gate =
  | { status: "fanning_out"; reason: null }
  | { status: "waiting_template"; reason: string }
  | { status: "failed"; reason: string };

/**
 * Whether a run may send, from its campaign's template review. WhatsApp sends only APPROVED
 * templates: PENDING waits (and so does PAUSED, which Meta lifts by reinstating the template);
 * REJECTED and DISABLED never send, so the run fails with Meta's reason.
 */
export function templateGate(campaign: RunCampaign): Gate {
  const name = campaign.templateName ? `template "${campaign.templateName}"` : "the campaign's template";
  switch (campaign.templateStatus) {
    case "APPROVED":
      return { status: "fanning_out", reason: null };
    case "PENDING":
      return { status: "waiting_template", reason: `${name} is waiting for WhatsApp's approval` };
    case "PAUSED":
      return {
        status: "waiting_template",
        reason: `${name} is paused by WhatsApp${campaign.rejectedReason ? ` (${campaign.rejectedReason})` : ""}`,
      };
    case "REJECTED":
    case "DISABLED":
      return {
        status: "failed",
        reason: `${name} is ${campaign.templateStatus}${campaign.rejectedReason ? `: ${campaign.rejectedReason}` : ""}`,
      };
    default:
      // The campaign names a template that is gone (deleted here or at Meta): nothing can send.
      return campaign.templateId
        ? { status: "failed", reason: "the campaign's template was deleted" }
        : { status: "waiting_template", reason: "the campaign's template has not been created yet" };
  }
}
