import type { ApiSendJob, SendJob, SendsBody } from "../../queues/contracts";
import { persistApiSends } from "../api-campaigns/persist";
import { inApiDay, reclaimApiDays, recordApiDays } from "../api-days/record";
import { completeRunsStatement } from "../runs/complete";
import { verdict } from "./gate";
import { inLedger, recordInLedgers, unclaimInLedgers } from "./ledger-claims";
import { type Lane, laneOf, type Slot } from "./pacing";
import { recordOutcomesPatiently } from "./record-outcomes";
import { type Claimed, claimMessages, NO_SLOT, pairRecipient, sendClaimed, unclaimMessages } from "./send-batch";
import { settle } from "./settle";
import type { SliceContext } from "./slice-context";

/** `items` split by `test`: those that pass, then the rest. */
function partition<T>(items: T[], test: (item: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((item) => !test(item))];
}

/**
 * Books a send slot for every claimed message from the number's governor, transactional ones
 * first. A message that cannot start soon (its lane's longest wait, or its recipient's pair window)
 * is put back to queued and parked with the governor, which releases it again when it is due: a
 * pacing hold is never a queue retry, so it never counts toward a dead letter. Those messages
 * leave `claimed` and their queue messages are acknowledged.
 */
async function bookSlots(ctx: SliceContext, messages: Message<SendsBody>[], claimed: Map<string, Claimed>) {
  const slots = new Map<string, number>();
  const parked: { message: Message<SendsBody>; lane: Lane; notBefore: number }[] = [];
  for (const lane of ["transactional", "broadcast"] as const) {
    const inLane = messages.filter((m) => laneOf(m.body) === lane && claimed.has(m.body.messageId));
    if (inLane.length === 0) continue;
    const sends = inLane.map((m) => ({
      messageId: m.body.messageId,
      to: pairRecipient(claimed.get(m.body.messageId) as Claimed),
    }));
    const granted: Slot[] = await ctx.governor.reserve({ lane, rate: ctx.account.throughput, sends });
    granted.forEach((slot, i) => {
      const message = inLane[i] as Message<SendsBody>;
      if ("at" in slot) slots.set(message.body.messageId, slot.at);
      else parked.push({ message, lane, notBefore: slot.later });
    });
  }
  await parkClaimed(ctx, parked, claimed);
  return slots;
}

/** Puts claimed messages back to queued, parks them with the governor and acknowledges them. */
async function parkClaimed(
  ctx: SliceContext,
  parked: { message: Message<SendsBody>; lane: Lane; notBefore: number }[],
  claimed: Map<string, Claimed>,
) {
  if (parked.length === 0) return;
  // A run ledger's message goes back to its object, whose claims the governor releases again at
  // the number's pace: it is not parked here as well. An API day's goes back to its object too,
  // and is parked like a D1 message: its job, when released, claims it there again.
  const [inObjects, inD1] = partition(parked, (p) => inLedger(p.message.body.messageId));
  await unclaimInLedgers(
    ctx.env,
    inObjects.map((p) => p.message.body.messageId),
  );
  await unclaimMessages(
    ctx.db,
    inD1.map((p) => p.message.body.messageId),
  );
  await ctx.governor.park(
    parked
      .filter((p) => !ofRunLedger(p.message.body))
      .map((p) => ({ lane: p.lane, notBefore: p.notBefore, body: asStoredSend(p.message.body) })),
  );
  for (const { message } of parked) {
    claimed.delete(message.body.messageId);
    message.ack();
  }
}

/** Whether a job's message is a broadcast run's kept in the run's object (an API day's is not). */
const ofRunLedger = (job: SendsBody) => job.kind === "send" && job.runId !== undefined && inLedger(job.messageId);

/** A parked send points at its stored row: an API send's contact and message are persisted by now. */
const asStoredSend = (job: SendsBody): SendJob => ({
  kind: "send",
  projectId: job.projectId,
  messageId: job.messageId,
  ...(job.campaignId ? { campaignId: job.campaignId } : {}),
  ...(job.kind === "send" && job.runId ? { runId: job.runId } : {}),
});

/**
 * Gives claimed messages no provider call was made for back, wherever they are claimed. Best
 * effort: what stays claimed (the cause may be D1 itself) the sweep settles as before.
 */
async function giveBackUnsent(ctx: SliceContext, ids: string[]) {
  if (ids.length === 0) return;
  const [inObjects, inD1] = partition(ids, inLedger);
  const given = await Promise.allSettled([unclaimInLedgers(ctx.env, inObjects), unclaimMessages(ctx.db, inD1)]);
  for (const g of given)
    if (g.status === "rejected") ctx.log.warn("claims not given back; the sweep settles them", { err: g.reason });
}

/**
 * Sends one project's share of a batch: API sends are persisted first (contact, then the message
 * row), then every message is claimed in one round trip, given its slot, sent at it, and the
 * outcomes recorded in one more round trip.
 */
export async function sendSlice(
  ctx: SliceContext,
  chunk: Message<SendsBody>[],
  preclaimed: Map<string, Claimed> = new Map(),
) {
  const toClaim: Message<SendsBody>[] = [];
  // What is claimed and not sent yet: given back if the slice fails before any call to Meta. An
  // API day's sends are claimed as they are recorded, and join what came claimed.
  const pre = new Map(preclaimed);
  let claimed = new Map<string, Claimed>();
  let slots: Map<string, number>;
  try {
    // The slice's API sends are recorded together: those of API days in their objects, the rest in
    // one D1 batch, whatever their number.
    const [dayMessages, apiMessages] = partition(
      chunk.filter((m) => m.body.kind === "api-send"),
      (m) => inApiDay(m.body as ApiSendJob),
    );
    const skipped = new Set<string>();
    const days = await recordApiDays(
      ctx.env,
      ctx.db,
      dayMessages.map((m) => m.body as ApiSendJob),
    );
    // One not claimed is skipped, or was recorded before and is sending or settled: not sent now.
    for (const m of dayMessages) {
      const claim = days.get(m.body.messageId);
      if (claim) pre.set(claim.id, claim);
      else skipped.add(m.body.messageId);
    }
    const persisted = await persistApiSends(
      ctx.db,
      apiMessages.map((m) => m.body as ApiSendJob),
    );
    persisted.forEach(({ created, skipReason }, i) => {
      ctx.transitions.push(created);
      if (skipReason) skipped.add(apiMessages[i]?.body.messageId ?? "");
    });
    const held: string[] = [];
    for (const message of chunk) {
      const job = message.body;
      if (skipped.has(job.messageId) || verdict(ctx.gate, job) === "hold") {
        message.ack();
        if (pre.has(job.messageId)) held.push(job.messageId);
      } else toClaim.push(message);
    }
    // A message claimed in its object and held here goes back there, for when the hold lifts.
    await giveBackUnsent(ctx, held);
    if (toClaim.length === 0) return;
    // Every path that queues a run's message names its run: a batch of API sends skips the opt-out re-check.
    const anyRun = toClaim.some((m) => m.body.kind === "send" && m.body.runId !== undefined);
    // A job naming an API day's message given back (released by the governor, requeued) claims it
    // again in its object; a run ledger's come claimed (./ledger-claims.ts); the rest are claimed in D1.
    const [again, inD1] = partition(
      toClaim.filter((m) => !pre.has(m.body.messageId)),
      (m) => inLedger(m.body.messageId),
    );
    for (const day of await reclaimApiDays(
      ctx.env,
      ctx.account.projectId,
      again.map((m) => m.body),
    ))
      pre.set(day.id, day);
    claimed = await claimMessages(
      ctx.db,
      ctx.account.projectId,
      inD1.map((m) => m.body.messageId),
      { recheckOptOuts: anyRun },
    );
    for (const message of toClaim) {
      const mine = pre.get(message.body.messageId);
      if (mine) claimed.set(message.body.messageId, mine);
    }
    slots = await bookSlots(ctx, toClaim, claimed);
  } catch (err) {
    // Nothing was sent yet (D1 or the governor failed): the claims go back, so a retry sends them
    // rather than the sweep failing them as unknown ten minutes on.
    await giveBackUnsent(ctx, [...new Set([...claimed.keys(), ...pre.keys()])]);
    throw err;
  }
  const lanes = new Map(toClaim.map((m) => [m.body.messageId, laneOf(m.body)]));
  const reslot = async (messageIds: string[]) => {
    const sends = messageIds.flatMap((messageId) => {
      const message = claimed.get(messageId);
      return message ? [{ messageId, to: pairRecipient(message) }] : [];
    });
    const lane = lanes.get(sends[0]?.messageId ?? "") ?? "transactional";
    const fresh = await ctx.governor.reserve({ lane, rate: ctx.account.throughput, sends, late: true });
    // A send that gets no new slot is not sent now: it is parked below.
    const slotsNow = new Map<string, number>();
    fresh.forEach((slot, i) => {
      const send = sends[i];
      if (send && "at" in slot) slotsNow.set(send.messageId, slot.at);
    });
    return slotsNow.size > 0 ? slotsNow : null;
  };
  const made = await sendClaimed(ctx.provider, claimed, slots, reslot);
  // Windows that kept waking late gave their slots up without calling Meta: parked, not recorded.
  const unsent = new Set(made.flatMap((r) => (!r.ok && r.error === NO_SLOT ? [r.id] : [])));
  await parkClaimed(
    ctx,
    toClaim
      .filter((m) => unsent.has(m.body.messageId))
      .map((message) => ({ message, lane: laneOf(message.body), notBefore: Date.now() })),
    claimed,
  );
  const results = made.filter((r) => !unsent.has(r.id));
  // A run is complete once it has fanned out and nothing of it is queued or sending. Its last
  // message leaves `sending` here (or the fan-out finishes last and checks itself), so the check
  // rides in the same batch as the outcomes, after them.
  const [ledgerResults, d1Results] = partition(results, (r) => inLedger(r.id));
  const runIds = [...claimed.values()].flatMap((m) => (m.runId && !inLedger(m.id) ? [m.runId] : []));
  const [{ outcomes, transitions }, ledgerOutcomes] = await Promise.all([
    recordOutcomesPatiently(
      ctx.db,
      ctx.account.projectId,
      claimed,
      d1Results,
      ctx.maxSendAttempts,
      runIds.length > 0 ? completeRunsStatement(ctx.db, runIds) : undefined,
    ),
    recordInLedgers(ctx.env, ctx.db, ctx.log, claimed, ledgerResults, ctx.maxSendAttempts),
  ]);
  for (const [id, outcome] of ledgerOutcomes) outcomes.set(id, outcome);
  ctx.transitions.push(...transitions);
  // A message not claimed was already taken by another delivery: acknowledged, never sent twice.
  await Promise.all(toClaim.map((message) => settle(ctx, message, outcomes.get(message.body.messageId))));
}
