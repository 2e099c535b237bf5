import { and, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../../platform/db/client";
import type { Transition } from "../../platform/db/schema";
import { messages } from "../../platform/db/schema";
import type { AcceptedStatus, ProviderError } from "../../whatsapp/provider";
import { logMoves, type Move, newTx } from "../messages/log";
import { historyIfChanged } from "../messages/status";
import { appendTrail, EVENT_STEP, STEP } from "../messages/trail";
import { acceptedNotes } from "./accepted-notes";
import type { Claimed, Result } from "./send-batch";

export type SendOutcome =
  | { kind: "sent"; wamid: string; transition: Transition | null; messageStatus?: AcceptedStatus }
  | { kind: "failed"; error: ProviderError; transition: Transition | null }
  | { kind: "retry"; error: ProviderError }
  /** Meta may have the message: it stays `sending` until Meta's status webhook (or the sweep) settles it. */
  | { kind: "unknown"; error: ProviderError }
  /** The account cannot send (token, restriction, payment, spam limit): the message waits, queued. */
  | { kind: "account"; error: ProviderError }
  /** The template is paused or disabled at WhatsApp (132015 / 132016): the message waits, queued. */
  | { kind: "template"; error: ProviderError };

/** Tries to record a slice's outcomes this often before the invocation gives up. */
const RECORD_ATTEMPTS = 3;
const RECORD_RETRY_MS = [100, 500];

/**
 * The provider calls are made: their outcomes are worth more than the invocation's time. A batch
 * D1 refused (rolled back whole) is tried again twice; if it still fails the messages stay
 * `sending`, and Meta's webhooks or the sweep settle them, never a second call.
 */
export async function recordOutcomesPatiently(...args: Parameters<typeof recordOutcomes>) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await recordOutcomes(...args);
    } catch (err) {
      if (attempt >= RECORD_ATTEMPTS) throw err;
      await new Promise((resolve) => setTimeout(resolve, RECORD_RETRY_MS[attempt - 1]));
    }
  }
}

/**
 * Records every outcome of a slice in one D1 batch. Each status change is a compare-and-set from
 * `sending`, so a webhook that already moved a message on is never overwritten; the transitions
 * returned are only the ones that happened. `then`, if given, runs last in the same batch and sees
 * the outcomes written.
 */
export async function recordOutcomes(
  db: Db,
  projectId: string,
  claimed: Map<string, Claimed>,
  results: Result[],
  maxAttempts: number,
  then?: BatchItem<"sqlite">,
): Promise<{ outcomes: Map<string, SendOutcome>; transitions: Transition[] }> {
  const now = Date.now();
  const tx = newTx();
  const statements = [];
  const moves: Move[] = [];
  const plans: {
    id: string;
    to: "failed" | "queued" | "sending";
    error: ProviderError;
    casIndex: number;
  }[] = [];
  // Successes, the common case, are ONE statement whatever their number: each row gets its wamid
  // (kept if a webhook already gave it one) and, if still `sending`, moves to sent with its step
  // and this batch's token — every SET expression reads the row as it was. Joined to the list,
  // each row is found by its key: a lookup per message, where a correlated scan of the list reads
  // n rows for each of n messages (D1 counts, and bills, every one).
  const sent = results.flatMap((r) => (r.ok ? [r] : []));
  let sentIndex = -1;
  if (sent.length > 0) {
    const wamids = JSON.stringify(sent.map((r) => [r.id, r.wamid]));
    const sending = sql`${messages.status} = 'sending'`;
    sentIndex = statements.length;
    statements.push(
      db
        .update(messages)
        .set({
          wamid: sql`coalesce(${messages.wamid}, w.value ->> '$[1]')`,
          status: sql`iif(${sending}, 'sent', ${messages.status})`,
          sentAt: sql`iif(${sending}, ${now}, ${messages.sentAt})`,
          updatedAt: sql`iif(${sending}, ${now}, ${messages.updatedAt})`,
          trail: sql`iif(${sending}, ${appendTrail(STEP.sent)}, ${messages.trail})`,
          tx: sql`iif(${sending}, ${tx}, ${messages.tx})`,
        })
        .from(sql`json_each(${wamids}) w`)
        .where(sql`${messages.id} = w.value ->> '$[0]'`)
        .returning({ id: messages.id, tx: messages.tx }),
    );
    for (const r of sent) moves.push([r.id, "sending", "sent"]);
    // Accepted but not plainly (held while Meta paces the template, or the template paused): a note
    // in the history of the messages this batch moved, for whoever reads why one is slow to arrive.
    const noted = sent.flatMap((r) => (r.messageStatus ? [[r.id, `WhatsApp answered ${r.messageStatus}`]] : []));
    if (noted.length > 0) statements.push(...acceptedNotes(db, noted, tx, now));
  }
  for (const r of results) {
    if (r.ok) continue;
    const sending = and(eq(messages.id, r.id), eq(messages.status, "sending"));
    // Provider calls, counted by the claims in D1; queue deliveries also grow with pacing holds
    // and crashes, which never reached the provider.
    const attempts = claimed.get(r.id)?.attempts ?? 1;
    const giveUp = r.error.class === "retryable" && attempts >= maxAttempts;
    const error = giveUp ? { ...r.error, message: `${r.error.message} (gave up after ${attempts} attempts)` } : r.error;
    // An unknown outcome is never retried: the row stays `sending` with the reason, for Meta's
    // status webhook (found by the message id in biz_opaque_callback_data) or the sweep to settle.
    const to = r.error.class === "unknown" ? "sending" : r.error.class === "permanent" || giveUp ? "failed" : "queued";
    plans.push({ id: r.id, to, error, casIndex: statements.length });
    // A failure is a step of the trail; a retry and an unknown outcome carry details the row cannot
    // hold, so they are history rows (`e`). A retry's claim becomes a row too, or the next claim's
    // time would stand for both.
    const trail =
      to === "failed"
        ? appendTrail(STEP.failed)
        : to === "queued"
          ? sql`iif(${messages.trail} LIKE '%c', substr(${messages.trail}, 1, length(${messages.trail}) - 1) || 'ee', ${appendTrail(EVENT_STEP)})`
          : appendTrail(EVENT_STEP);
    statements.push(
      db
        .update(messages)
        .set({
          status: to,
          errorCode: error.code,
          errorTitle: error.title,
          errorMessage: error.message,
          errorClass: error.class,
          updatedAt: now,
          trail,
          tx,
          ...(to === "failed" ? { failedAt: now } : {}),
        })
        .where(sending)
        .returning({ id: messages.id }),
    );
    if (to === "failed") moves.push([r.id, "sending", "failed", error.code]);
    else {
      if (to === "queued") statements.push(historyIfChanged(db, r.id, "sending", claimed.get(r.id)?.claimedAt ?? now));
      const detail =
        to === "sending"
          ? `outcome unknown: ${error.title}`
          : error.class === "template"
            ? `held: ${error.title}`
            : `retry: ${error.title}`;
      statements.push(historyIfChanged(db, r.id, to, now, error.code, detail));
    }
  }
  if (moves.length > 0) statements.push(logMoves(db, tx, moves));
  const outcomes = new Map<string, SendOutcome>();
  const transitions: Transition[] = [];
  if (statements.length === 0) return { outcomes, transitions };
  if (then) statements.push(then);
  const written = await db.batch(statements as unknown as Parameters<typeof db.batch>[0]);
  const moved = new Set(
    sentIndex < 0
      ? []
      : (written[sentIndex] as { id: string; tx: number | null }[]).filter((row) => row.tx === tx).map((row) => row.id),
  );
  for (const r of sent) {
    const message = claimed.get(r.id);
    const transition: Transition | null =
      moved.has(r.id) && message
        ? {
            messageId: r.id,
            projectId,
            campaignId: message.campaignId,
            runId: message.runId,
            from: "sending",
            to: "sent",
          }
        : null;
    if (transition) transitions.push(transition);
    outcomes.set(r.id, {
      kind: "sent",
      wamid: r.wamid,
      transition,
      ...(r.messageStatus ? { messageStatus: r.messageStatus } : {}),
    });
  }
  for (const plan of plans) {
    const changed = (written[plan.casIndex] as { id: string }[]).length === 1;
    const message = claimed.get(plan.id);
    const transition: Transition | null =
      changed && message && plan.to === "failed"
        ? {
            messageId: plan.id,
            projectId,
            campaignId: message.campaignId,
            runId: message.runId,
            from: "sending",
            to: plan.to,
            error: plan.error,
          }
        : null;
    if (transition) transitions.push(transition);
    if (plan.to === "failed") outcomes.set(plan.id, { kind: "failed", error: plan.error, transition });
    else if (plan.to === "sending") outcomes.set(plan.id, { kind: "unknown", error: plan.error });
    else {
      const kind = plan.error.class === "account" || plan.error.class === "template" ? plan.error.class : "retry";
      outcomes.set(plan.id, { kind, error: plan.error });
    }
  }
  return { outcomes, transitions };
}
