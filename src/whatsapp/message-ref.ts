// `biz_opaque_callback_data` travels with the message to Meta and comes back in every status
// webhook, so a status finds its message, campaign and run without a lookup by wamid.
// Format: `<messageId>|<campaignId>|<runId>` with empty parts where there is none.

export interface CallbackRef {
  messageId: string;
  campaignId: string | null;
  runId: string | null;
}

export const encodeCallback = (ref: CallbackRef) => [ref.messageId, ref.campaignId ?? "", ref.runId ?? ""].join("|");

export function decodeCallback(data: string | undefined): CallbackRef | null {
  if (!data) return null;
  const [messageId, campaignId, runId] = data.split("|");
  if (!messageId?.startsWith("msg_")) return null;
  return { messageId, campaignId: campaignId || null, runId: runId || null };
}
