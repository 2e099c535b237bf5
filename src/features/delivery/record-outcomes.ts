import { and, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../../platform/db/client";
import { filterOnly, inJsonList } from "../../platform/db/json-list";
import type { Transition } from "../../platform/db/schema";
import { messageEvents, messages } from "../../platform/db/schema";
import type { ProviderError } from "../../whatsapp/provider";
import { historyIfChanged } from "../messages/status";
import type { Claimed, Result } from "./send-batch";

export type SendOutcome =
  | { kind: "sent"; wamid: string; transition: Transition | null }
  | { kind: "failed"; error: ProviderError; transition: Transition | null }
  | { kind: "retry"; error: ProviderError }
  /** Meta may have the message: it stays `sending` until Meta's status webhook (or the sweep) settles it. */
  | { kind: "unknown"; error: ProviderError }
  /** The account cannot send (token, restriction, payment, spam limit): the message waits, queued. */
  | { kind: "account"; error: ProviderError };

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
  // Meta's timestamps are whole seconds; a `now` that is not one marks the rows this batch sets sent.
  const now = Date.now() % 1000 === 0 ? Date.now() + 1 : Date.now();
  const statements = [];
  const claims = [...claimed.values()];
  if (claims.length > 0) {
    // Every claim's history row in one statement: the rows travel as ONE JSON parameter.
    const rows = JSON.stringify(claims.map((m) => [m.id, m.claimedAt]));
    statements.push(
      db
        .insert(messageEvents)
        .select(
          sql`SELECT NULL, j.value ->> '$[0]', 'sending', j.value ->> '$[1]', NULL, NULL FROM json_each(${rows}) j WHERE true`,
        ),
    );
  }
  const plans: {
    id: string;
    to: "failed" | "queued" | "sending";
    error: ProviderError;
    casIndex: number;
  }[] = [];
  // Successes, the common case, are three statements whatever their number: the wamids, the
  // compare-and-set from sending (returning the rows it moved), and a history row for each of those.
  const sent = results.flatMap((r) => (r.ok ? [r] : []));
  let sentIndex = -1;
  if (sent.length > 0) {
    const ids = sent.map((r) => r.id);
    // Joined to the list, each row found by its key: a lookup per message, where a correlated
    // scan of the list reads n rows for each of n messages (D1 counts, and bills, every one).
    const wamids = JSON.stringify(sent.map((r) => [r.id, r.wamid]));
    statements.push(
      db
        .update(messages)
        .set({ wamid: sql`w.value ->> '$[1]'` })
        .from(sql`json_each(${wamids}) w`)
        .where(sql`${messages.id} = w.value ->> '$[0]'`),
    );
    sentIndex = statements.length;
    statements.push(
      db
        .update(messages)
        .set({ status: "sent", sentAt: now, updatedAt: now })
        .where(and(inJsonList(messages.id, ids), filterOnly(messages.status, "sending")))
        .returning({ id: messages.id }),
    );
    // Only rows the statement above moved: sent at this batch's `now`, which no webhook writes.
    statements.push(
      db
        .insert(messageEvents)
        .select(
          sql`SELECT NULL, m.id, 'sent', ${now}, NULL, NULL FROM messages m WHERE m.id IN (SELECT value FROM json_each(${JSON.stringify(ids)})) AND +m.status = 'sent' AND +m.sent_at = ${now} AND +m.updated_at = ${now}`,
        ),
    );
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
          ...(to === "failed" ? { failedAt: now } : {}),
        })
        .where(sending)
        .returning({ id: messages.id }),
    );
    const detail =
      to === "queued" ? `retry: ${error.title}` : to === "sending" ? `outcome unknown: ${error.title}` : error.title;
    statements.push(historyIfChanged(db, r.id, to, now, error.code, detail));
  }
  const outcomes = new Map<string, SendOutcome>();
  const transitions: Transition[] = [];
  if (statements.length === 0) return { outcomes, transitions };
  if (then) statements.push(then);
  const written = await db.batch(statements as unknown as Parameters<typeof db.batch>[0]);
  const moved = new Set(sentIndex < 0 ? [] : (written[sentIndex] as { id: string }[]).map((row) => row.id));
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
    outcomes.set(r.id, { kind: "sent", wamid: r.wamid, transition });
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
      outcomes.set(
        plan.id,
        plan.error.class === "account" ? { kind: "account", error: plan.error } : { kind: "retry", error: plan.error },
      );
    }
  }
  return { outcomes, transitions };
}
