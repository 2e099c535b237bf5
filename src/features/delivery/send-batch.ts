import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { filterOnly, inJsonList, jsonList } from "../../platform/db/json-list";
import { namedCampaigns, namedRuns } from "../../platform/db/refs";
import { messages } from "../../platform/db/schema";
import { encodeCallback } from "../../whatsapp/message-ref";
import {
  type AcceptedStatus,
  isTextMessage,
  type OutboundMessage,
  type ProviderError,
  type TemplateMessage,
  type WhatsAppProvider,
} from "../../whatsapp/provider";
import { logStamped, newTx } from "../messages/log";
import { storedPayload } from "../messages/payload";
import { appendTrail, dropClaim, STEP } from "../messages/trail";
import { type Reslot, slotWindows, waitForSlots } from "./pacing";

export interface Claimed {
  id: string;
  /** When the claim happened; its history row is written with the outcomes, saving a round trip. */
  claimedAt: number;
  payload: TemplateMessage;
  campaignId: string | null;
  runId: string | null;
  /** Provider calls for this message, this one included: the claim counts them in D1. */
  attempts: number;
}

/**
 * Claims many queued messages (queued → sending) in one round trip. Only rows still queued are
 * returned, so a message another delivery already claimed is left out: at most one provider call
 * per message however often the queue delivers it. The claim is ONE statement: a claim that fails
 * claims nothing, so no message is left `sending` without ever being sent. With the re-check, the
 * claim leaves a run's message whose contact opted out queued, and the skip after it moves those
 * to skipped.
 */
export async function claimMessages(
  db: Db,
  projectId: string,
  ids: string[],
  options: { recheckOptOuts?: boolean } = {},
): Promise<Map<string, Claimed>> {
  const claimed = new Map<string, Claimed>();
  if (ids.length === 0) return claimed;
  const now = Date.now();
  const recheck = options.recheckOptOuts !== false;
  // The ids travel as ONE JSON parameter (D1 binds at most 100): one statement for any batch, and no
  // per-id parameter for drizzle to build and D1 to serialise, on the path every send takes. The
  // list is joined to the rows (UPDATE … FROM, `jsonList`), each row sought by its key.
  const rows = await db
    .update(messages)
    .set({
      status: "sending",
      attempts: sql`${messages.attempts} + 1`,
      updatedAt: now,
      claimedAt: now,
      trail: appendTrail(STEP.sending),
    })
    .from(jsonList(ids, "j"))
    .where(
      and(
        sql`${messages.id} = j.value`,
        eq(messages.projectId, projectId),
        filterOnly(messages.status, "queued"),
        recheck ? sql`NOT (${optedOutRunMessage(projectId)})` : undefined,
      ),
    )
    .returning({
      id: messages.id,
      // Decoded in the claim's own statement: the base costs an index lookup, not a round trip.
      payload: sql<string>`${storedPayload()}`,
      // As the row holds them: a run's message names its run by its ref and leaves the
      // campaign to it, an API campaign's names its campaign by its ref; they are named below,
      // per run and campaign, not with a lookup per message.
      campaignId: messages.campaignId,
      runId: messages.runId,
      attempts: messages.attempts,
    });
  if (recheck) {
    const taken = new Set(rows.map((row) => row.id));
    const left = [...new Set(ids)].filter((id) => !taken.has(id));
    if (left.length > 0) await db.batch(skipOptedOutStatements(db, projectId, left, now, newTx()));
  }
  const runs = await namedRuns(
    db,
    rows.flatMap((row) => row.runId ?? []),
  );
  const campaigns = await namedCampaigns(
    db,
    rows.flatMap((row) => row.campaignId ?? []),
  );
  for (const row of rows) {
    const run = row.runId === null ? undefined : runs.get(row.runId);
    claimed.set(row.id, {
      ...row,
      campaignId: (row.campaignId === null ? undefined : campaigns.get(row.campaignId)) ?? run?.campaignId ?? null,
      runId: run?.id ?? row.runId,
      payload: JSON.parse(row.payload) as TemplateMessage,
      claimedAt: now,
    });
  }
  return claimed;
}

/** A run's message whose contact is opted out now (one indexed contact lookup). */
const optedOutRunMessage = (projectId: string) =>
  sql`${messages.runId} IS NOT NULL
      AND EXISTS (SELECT 1 FROM contacts c WHERE c.project_id = ${projectId} AND c.number = ${messages.number} AND c.opted_out = 1)`;

/**
 * A broadcast run's messages were checked against opt-outs when the run fanned out; a contact who
 * sent STOP since must still get nothing. The claim leaves such messages queued; right after it,
 * the run messages among `ids` (those the claim did not take) whose contact is opted out now are
 * skipped (`opted_out`) and logged, in one batch. API sends re-check the contact as they are
 * persisted (features/api-campaigns/persist.ts). The caller runs it only when the claim took fewer
 * messages than it was given: the common batch, where nobody opted out and every message was still
 * queued, pays no statement for it, where it paid two. A crash between the claim and the skip
 * leaves those messages queued, and the next delivery or the sweep skips them then.
 */
function skipOptedOutStatements(db: Db, projectId: string, ids: string[], now: number, tx: number) {
  return [
    db
      .update(messages)
      .set({ status: "skipped", skipReason: OPTED_OUT, updatedAt: now, trail: appendTrail(STEP.skipped), tx })
      .from(jsonList(ids, "j"))
      .where(
        sql`${messages.id} = j.value AND ${messages.projectId} = ${projectId} AND ${filterOnly(messages.status, "queued")}
            AND ${optedOutRunMessage(projectId)}`,
      ),
    logStamped(db, tx, ids, "queued", "skipped"),
  ] as const;
}

const OPTED_OUT = "opted_out";

/**
 * Puts claimed messages that got no send slot back to queued, as if never claimed: no provider call
 * was made, so the claim's attempt is taken back. Compare-and-set on `sending`, one statement.
 */
export async function unclaimMessages(db: Db, ids: string[]) {
  if (ids.length === 0) return;
  await db
    .update(messages)
    .set({
      status: "queued",
      attempts: sql`max(0, ${messages.attempts} - 1)`,
      updatedAt: Date.now(),
      trail: dropClaim,
    })
    .where(and(inJsonList(messages.id, ids), filterOnly(messages.status, "sending")));
}

/** The recipient a claimed message's pair window is kept for; null for session text (see pacing docs). */
export const pairRecipient = (m: Claimed): string | null => {
  const payload = m.payload as OutboundMessage | null;
  return !payload || isTextMessage(payload) ? null : payload.to;
};

export type Result =
  | { id: string; ok: true; wamid: string; messageStatus?: AcceptedStatus }
  | { id: string; ok: false; error: ProviderError };

/**
 * The "error" of a send that was never made: its window kept waking late and gave its slot up. No
 * provider call happened; the caller puts the message back and parks it (compared by identity).
 */
export const NO_SLOT: ProviderError = {
  class: "retryable",
  code: null,
  title: "No send slot",
  message: "the sender woke too late for its slot, more than once; not sent",
  httpStatus: null,
};

/**
 * Calls the provider for each claimed message at its slot, by the kind of its payload: template
 * messages (campaigns) or session text messages (journey replies). Text messages to one person
 * are the exception: they go one after another, in the order they were queued, since a journey's
 * steps that land in the same slice must reach the phone in sequence.
 */
export async function sendClaimed(
  provider: WhatsAppProvider,
  claimed: Map<string, Claimed>,
  slots: Map<string, number>,
  reslot?: Reslot,
): Promise<Result[]> {
  const call = async (m: Claimed): Promise<Result> => {
    // claimMessages reads the payload as a template; the column holds either kind.
    const payload = m.payload as OutboundMessage;
    const callbackData = encodeCallback({ messageId: m.id, campaignId: m.campaignId, runId: m.runId });
    const result: Awaited<ReturnType<WhatsAppProvider["sendTemplate"]>> = isTextMessage(payload)
      ? await provider.sendText({ type: "text", to: payload.to, text: payload.text, callbackData })
      : await provider.sendTemplate({ ...payload, callbackData });
    if (!result.ok) return { id: m.id, ok: false, error: result.error };
    return result.messageStatus
      ? { id: m.id, ok: true, wamid: result.wamid, messageStatus: result.messageStatus }
      : { id: m.id, ok: true, wamid: result.wamid };
  };
  const templates: Claimed[] = [];
  const textsByRecipient = new Map<string, Claimed[]>();
  for (const m of claimed.values()) {
    const payload = m.payload as OutboundMessage;
    if (!isTextMessage(payload)) {
      templates.push(m);
      continue;
    }
    const list = textsByRecipient.get(payload.to) ?? [];
    list.push(m);
    textsByRecipient.set(payload.to, list);
  }
  const inSequence = async (list: Claimed[]) => {
    const results: Result[] = [];
    // Message ids start with the time they were queued for, so their order is the intended order.
    for (const m of list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
      results.push(
        (await waitForSlots([m.id], slots, reslot)) ? await call(m) : { id: m.id, ok: false, error: NO_SLOT },
      );
    }
    return results;
  };
  // Each call leaves at its slot, never before: slots are what keeps the number's pace. Templates
  // whose slots fall in one short window wait on one timer and leave together.
  const inWindow = async (ids: string[]): Promise<Result[]> => {
    if (!(await waitForSlots(ids, slots, reslot))) return ids.map((id) => ({ id, ok: false, error: NO_SLOT }));
    return Promise.all(ids.map((id) => call(claimed.get(id) as Claimed)));
  };
  const [single, sequences] = await Promise.all([
    Promise.all(
      slotWindows(
        templates.map((m) => m.id),
        slots,
      ).map(inWindow),
    ),
    Promise.all([...textsByRecipient.values()].map(inSequence)),
  ]);
  return [...single.flat(), ...sequences.flat()];
}
