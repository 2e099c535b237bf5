import { sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { ledgerMessageId, parseLedgerMessageId } from "../../platform/ids";
import type { Logger } from "../../platform/log";
import type { ClaimJob, SendJob } from "../../queues/contracts";
import type { TemplateMessage } from "../../whatsapp/provider";
import { runLedger } from "../run-ledger";
import { completeLedgerRuns } from "../run-ledger/complete";
import type { SlotResult } from "../run-ledger/outcomes";
import type { SendOutcome } from "./record-outcomes";
import type { Claimed, Result } from "./send-batch";

// The sends consumer's side of a run whose messages are in its own object (src/features/run-ledger):
// a claim job takes the run's next messages there, and what the D1 ledger does per row — give a
// message back, record Meta's answer — goes to the message's object, named by its id.

/** Whether a message id names a message in a run's object. */
export const inLedger = (messageId: string) => parseLedgerMessageId(messageId) !== null;

/** A claimed message as a queue message of its own, so the slice sends it like any other. */
function asMessage(job: SendJob): Message<SendJob> {
  return {
    id: `claimed:${job.messageId}`,
    timestamp: new Date(),
    body: job,
    attempts: 1,
    // Its claim job is acknowledged by the consumer; what happens to the message is the object's.
    ack() {},
    retry() {},
  };
}

/**
 * Claims the next messages of each run the jobs name, one call per run for all its jobs, and
 * skips those whose contact opted out since the fan-out (one D1 read for the batch). Returns the
 * claimed messages as queue messages of their own, with their claims.
 */
export async function claimFromLedgers(env: Pick<Env, "RUN_LEDGER">, db: Db, projectId: string, jobs: ClaimJob[]) {
  const byRun = new Map<string, { job: ClaimJob; count: number }>();
  for (const job of jobs) {
    const entry = byRun.get(job.runRef) ?? { job, count: 0 };
    entry.count++;
    byRun.set(job.runRef, entry);
  }
  const now = Date.now();
  const taken = await Promise.all(
    [...byRun.values()].map(async ({ job, count }) => ({
      job,
      rows: await runLedger(env, job.runRef).claim(count, now),
    })),
  );
  const numbers = taken.flatMap((t) => t.rows.map((r) => r.number));
  let optedOut: Set<string>;
  try {
    optedOut = new Set(
      numbers.length === 0
        ? []
        : (
            await db.all<{ number: string }>(sql`
              SELECT c.number FROM json_each(${JSON.stringify(numbers)}) j
              JOIN contacts c ON c.project_id = ${projectId} AND c.number = j.value WHERE c.opted_out = 1`)
          ).map((r) => r.number),
    );
  } catch (err) {
    // Nothing was sent: the claims go back (best effort; what stays claimed the sweep settles).
    await Promise.allSettled(taken.map(({ job, rows }) => runLedger(env, job.runRef).unclaim(rows.map((r) => r.slot))));
    throw err;
  }
  const messages: Message<SendJob>[] = [];
  const claimed = new Map<string, Claimed>();
  await Promise.all(
    taken.map(async ({ job, rows }) => {
      const skipped = rows.filter((r) => optedOut.has(r.number)).map((r) => r.slot);
      if (skipped.length > 0) await runLedger(env, job.runRef).skip(skipped, "opted_out", now);
      for (const row of rows) {
        if (optedOut.has(row.number)) continue;
        const messageId = ledgerMessageId(job.runRef, row.slot);
        const body: SendJob = { kind: "send", projectId, messageId, campaignId: job.campaignId, runId: job.runId };
        messages.push(asMessage(body));
        claimed.set(messageId, {
          id: messageId,
          claimedAt: now,
          payload: JSON.parse(row.payload) as TemplateMessage,
          campaignId: job.campaignId,
          runId: job.runId,
          attempts: row.attempts,
        });
      }
    }),
  );
  return { messages, claimed };
}

/** Groups message ids by their run's ref, with their slots. */
function byRunRef(ids: string[]) {
  const runs = new Map<string, number[]>();
  for (const id of ids) {
    const named = parseLedgerMessageId(id);
    if (!named) continue;
    runs.set(named.runRef, [...(runs.get(named.runRef) ?? []), named.slot]);
  }
  return runs;
}

/** Gives claimed messages back to their objects, unsent: handed out again by a later claim. */
export async function unclaimInLedgers(env: Pick<Env, "RUN_LEDGER">, ids: string[]) {
  await Promise.all([...byRunRef(ids)].map(([runRef, slots]) => runLedger(env, runRef).unclaim(slots)));
}

/**
 * Records Meta's answers in the messages' objects, one call per run; their logs carry the moves to
 * the statistics and the callbacks, so no transition is returned here. Runs with nothing left
 * queued or sending are completed.
 */
export async function recordInLedgers(
  env: Pick<Env, "RUN_LEDGER">,
  db: Db,
  log: Logger,
  claimed: Map<string, Claimed>,
  results: Result[],
  maxAttempts: number,
): Promise<Map<string, SendOutcome>> {
  const outcomes = new Map<string, SendOutcome>();
  const runs = new Map<string, { runId: string; results: SlotResult[] }>();
  for (const result of results) {
    const named = parseLedgerMessageId(result.id);
    const message = claimed.get(result.id);
    if (!named || !message?.runId) continue;
    const entry = runs.get(named.runRef) ?? { runId: message.runId, results: [] };
    const { id: _, ...answer } = result;
    entry.results.push({ ...answer, slot: named.slot } as SlotResult);
    runs.set(named.runRef, entry);
  }
  const finished: { id: string; ref: string }[] = [];
  await Promise.all(
    [...runs].map(async ([runRef, { runId, results: answers }]) => {
      const { result: recorded, finished: last } = await patiently(() =>
        runLedger(env, runRef).outcomes(answers, maxAttempts),
      );
      if (last) finished.push({ id: runId, ref: runRef });
      const bySlot = new Map(answers.map((a) => [a.slot, a]));
      for (const o of recorded) {
        const id = ledgerMessageId(runRef, o.slot);
        const wamid = bySlot.get(o.slot);
        if (o.kind === "sent" && wamid?.ok) {
          outcomes.set(id, {
            kind: "sent",
            wamid: wamid.wamid,
            transition: null,
            ...(wamid.messageStatus ? { messageStatus: wamid.messageStatus } : {}),
          });
        } else if (o.kind === "failed") outcomes.set(id, { kind: "failed", error: o.error, transition: null });
        else if (o.kind !== "sent") outcomes.set(id, { kind: o.kind, error: o.error });
      }
    }),
  );
  // Each sent message's route by its wamid, for replies that quote it: one statement for the batch.
  // A route lost to a failure here only leaves such a reply unlinked to its message.
  const routes = results.flatMap((r) => (r.ok && outcomes.get(r.id)?.kind === "sent" ? [[r.wamid, r.id]] : []));
  if (routes.length > 0) {
    await db
      .run(
        sql`INSERT INTO wamid_routes (key, message_id) SELECT substr(value ->> 0, -16), value ->> 1 FROM json_each(${JSON.stringify(routes)}) WHERE true ON CONFLICT DO NOTHING`,
      )
      .catch((err: unknown) => log.warn("wamid routes not recorded", { err }));
  }
  // A run whose last message this batch settled is completed; should that fail, the sweep does.
  if (finished.length > 0) {
    await completeLedgerRuns(env, db, finished).catch((err: unknown) => {
      log.warn("runs not completed now; the sweep does", { err });
    });
  }
  return outcomes;
}

/**
 * Meta has the messages: their answers are worth more than the invocation's time. A call the
 * object refused is made again twice (recording an answer twice changes nothing); then it throws,
 * and the messages stay sending for Meta's webhooks or the sweep to settle, never sent again.
 */
async function patiently<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= 3) throw err;
      await new Promise((resolve) => setTimeout(resolve, attempt * 200));
    }
  }
}
