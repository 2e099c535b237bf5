import { readGate, verdict } from "../features/delivery/gate";
import { claimFromLedgers } from "../features/delivery/ledger-claims";
import { governorFor } from "../features/delivery/pacing";
import { sendSlice } from "../features/delivery/send-slice";
import type { SliceContext } from "../features/delivery/slice-context";
import { afterTransitions } from "../features/messages/after-transitions";
import { skipCancelled } from "../features/runs/cancelled";
import { readConfig } from "../platform/config";
import { createDb } from "../platform/db/client";
import type { Transition } from "../platform/db/schema";
import { createLogger, logLevel } from "../platform/log";
import { backoffSeconds } from "../queues/backoff";
import type { ClaimJob, SendJob, SendsBody, SendsQueueBody } from "../queues/contracts";
import { providerForProject } from "../whatsapp/select";

const retryAll = (messages: Iterable<Message<SendsQueueBody>>) => {
  for (const message of messages) message.retry({ delaySeconds: backoffSeconds(message.attempts) });
};

/** A claim job as the gate reads it: its campaign and its run. */
const gateJobOf = (body: SendsQueueBody): SendJob[] =>
  body.kind === "claim"
    ? [{ kind: "send", projectId: body.projectId, messageId: "", campaignId: body.campaignId, runId: body.runId }]
    : [];

/**
 * The `sends` queue: a cancelled run's messages are skipped, the rest are sent per project, each
 * at a slot its number's governor hands out (docs/pacing.md). Whatever crashes is retried with backoff; the claim on each message row
 * keeps a retry from sending anything twice.
 */
export async function consumeSends(batch: MessageBatch, env: Env, ctx?: ExecutionContext) {
  const config = readConfig(env);
  const db = createDb(env.DB);
  const log = createLogger({ queue: batch.queue }, logLevel(env));
  const all = batch.messages as readonly Message<SendsQueueBody>[];
  const messages = all.filter((m): m is Message<SendsBody> => m.body.kind !== "claim");
  const transitions: (Transition | null)[] = [];

  const gate = await readGate(db, [...messages.map((m) => m.body), ...all.flatMap((m) => gateJobOf(m.body))]);
  // A claim for a paused or cancelled run claims nothing: its messages stay in the run's object
  // (a resume feeds the run again; a cancel skips what is left there).
  const claims = all.filter((m): m is Message<ClaimJob> => {
    if (m.body.kind !== "claim") return false;
    if (verdict(gate, gateJobOf(m.body)[0] as SendJob) === "send") return true;
    m.ack();
    return false;
  });
  const cancelled = new Set(messages.filter((m) => verdict(gate, m.body) === "skip"));
  if (cancelled.size > 0) {
    try {
      transitions.push(...(await skipCancelled(db, { ids: [...cancelled].map((m) => m.body.messageId) })));
      for (const message of cancelled) message.ack();
    } catch (err) {
      log.error("cannot skip a cancelled run's messages; will retry", { err });
      retryAll(cancelled);
    }
  }

  const byProject = new Map<string, Message<SendsBody>[]>();
  for (const message of messages) {
    if (cancelled.has(message)) continue;
    const list = byProject.get(message.body.projectId) ?? [];
    list.push(message);
    byProject.set(message.body.projectId, list);
  }
  const claimsOf = new Map<string, Message<ClaimJob>[]>();
  for (const claim of claims) {
    claimsOf.set(claim.body.projectId, [...(claimsOf.get(claim.body.projectId) ?? []), claim]);
    if (!byProject.has(claim.body.projectId)) byProject.set(claim.body.projectId, []);
  }
  await Promise.all(
    [...byProject].map(async ([projectId, list]) => {
      const claimJobs = claimsOf.get(projectId) ?? [];
      try {
        const { account, provider } = await providerForProject(db, { config, events: env.EVENTS }, projectId);
        const ctx: SliceContext = {
          db,
          log,
          env,
          account,
          provider,
          governor: governorFor(env, account.phoneNumberId),
          gate,
          maxSendAttempts: config.MAX_SEND_ATTEMPTS,
          transitions,
        };
        const fromLedgers = await claimFromLedgers(
          env,
          db,
          projectId,
          claimJobs.map((m) => m.body),
        );
        await sendSlice(ctx, [...list, ...fromLedgers.messages], fromLedgers.claimed);
        for (const claim of claimJobs) claim.ack();
      } catch (err) {
        log.error("cannot send for project; will retry", { projectId, err });
        retryAll([...list, ...claimJobs]);
      }
    }),
  );
  await afterTransitions(env, transitions, log, ctx);
}
