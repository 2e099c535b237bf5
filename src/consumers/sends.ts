import { eq, inArray } from "drizzle-orm";
import { forgetProjectCampaigns } from "../features/api-campaigns/cache";
import { persistApiSend } from "../features/api-campaigns/persist";
import { resolveKnown } from "../features/contacts/store";
import { afterTransitions } from "../features/delivery/after-transitions";
import { claimMessages, recordOutcomes, type SendOutcome, sendClaimed } from "../features/delivery/send-batch";
import type { Transition } from "../features/messages/status";
import { skipCancelled } from "../features/runs/cancelled";
import { completeRunsStatement } from "../features/runs/complete";
import { moveRun } from "../features/runs/store";
import { type Config, readConfig } from "../platform/config";
import { createDb, type Db } from "../platform/db/client";
import { campaigns, runs } from "../platform/db/schema";
import { createLogger, type Logger, logLevel } from "../platform/log";
import { ACCOUNT_ERROR_RETRY_SECONDS, backoffSeconds, MAX_RETRY_DELAY_SECONDS } from "../queues/backoff";
import type { SendsBody } from "../queues/contracts";
import type { ProviderError, WhatsAppProvider } from "../whatsapp/provider";
import { providerForProject, type ResolvedAccount } from "../whatsapp/select";

const runIdOf = (job: SendsBody) => (job.kind === "send" ? job.runId : undefined);

// Meta allows about one message every 6 seconds from one business number to one user.
export const PAIR_RATE_SECONDS = 6;
// A consumer invocation waits for its send slots up to this long; past it, messages go back to
// the queue with a delay rather than holding the invocation open.
const MAX_WAIT_MS = 20_000;
const THROUGHPUT_ERROR = 130429;
const PAIR_RATE_ERROR = 131056;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Whether a message may go out, from its campaign's and its run's status: a paused campaign or run
 * keeps its messages queued (resuming re-enqueues them), a cancelled run's messages are skipped.
 * Read once per batch; an account-level error pauses more as the batch goes on.
 */
interface Gate {
  /** Campaigns and runs whose messages are held (their `cmp_` and `run_` ids never collide). */
  held: Set<string>;
  cancelled: Set<string>;
}

async function readGate(db: Db, jobs: SendsBody[]): Promise<Gate> {
  const campaignIds = [...new Set(jobs.flatMap((job) => job.campaignId ?? []))];
  const runIds = [...new Set(jobs.flatMap((job) => runIdOf(job) ?? []))];
  const gate: Gate = { held: new Set(), cancelled: new Set() };
  if (campaignIds.length + runIds.length === 0) return gate;
  const [campaignRows, runRows] = await db.batch([
    db.select({ id: campaigns.id, status: campaigns.status }).from(campaigns).where(inArray(campaigns.id, campaignIds)),
    db.select({ id: runs.id, status: runs.status }).from(runs).where(inArray(runs.id, runIds)),
  ]);
  for (const row of [...campaignRows, ...runRows]) {
    if (row.status === "paused") gate.held.add(row.id);
    else if (row.status === "cancelled") gate.cancelled.add(row.id);
  }
  return gate;
}

function verdict(gate: Gate, job: SendsBody): "send" | "hold" | "skip" {
  const runId = runIdOf(job);
  if (runId && gate.cancelled.has(runId)) return "skip";
  if ((job.campaignId && gate.held.has(job.campaignId)) || (runId && gate.held.has(runId))) return "hold";
  return "send";
}

interface Ctx {
  env: Env;
  config: Config;
  db: Db;
  log: Logger;
  account: ResolvedAccount;
  provider: WhatsAppProvider;
  gate: Gate;
  transitions: (Transition | null)[];
}

/**
 * Account-level: nothing will go through until a person fixes the account. The campaign (and the
 * run, which then shows why it stopped) is paused instead of failing every recipient, once per
 * batch; its messages stay queued and resuming sends them.
 */
async function pauseForAccount(ctx: Ctx, campaignId: string, runId: string | undefined, error: ProviderError) {
  const reason = `WhatsApp account problem ${error.code ?? ""}: ${error.title}`.replace("  ", " ");
  if (!ctx.gate.held.has(campaignId)) {
    ctx.gate.held.add(campaignId);
    await ctx.db
      .update(campaigns)
      .set({ status: "paused", pausedReason: reason, updatedAt: Date.now() })
      .where(eq(campaigns.id, campaignId));
    forgetProjectCampaigns(ctx.account.projectId);
    ctx.log.warn("campaign paused by an account-level error", { campaignId, code: error.code });
  }
  if (runId && !ctx.gate.held.has(runId)) {
    ctx.gate.held.add(runId);
    // Resuming the run sets the campaign live again.
    await moveRun(ctx.db, runId, ["fanning_out", "sending"], "paused", { statusReason: reason });
  }
}

/** Acks or retries one queue message according to its send outcome. */
async function settle(ctx: Ctx, message: Message<SendsBody>, outcome: SendOutcome | undefined) {
  const campaignId = message.body.campaignId ?? null;
  // No outcome: another delivery had already claimed the message.
  if (!outcome || outcome.kind === "sent" || outcome.kind === "failed") {
    message.ack();
    return;
  }
  if (outcome.kind === "retry") {
    const { error } = outcome;
    if (error.code === THROUGHPUT_ERROR) await governor(ctx).slowDown();
    const delay =
      error.code === PAIR_RATE_ERROR
        ? PAIR_RATE_SECONDS + Math.ceil(Math.random() * PAIR_RATE_SECONDS)
        : (error.retryAfterSeconds ?? backoffSeconds(message.attempts));
    message.retry({ delaySeconds: Math.min(delay, MAX_RETRY_DELAY_SECONDS) });
    return;
  }
  if (campaignId) {
    await pauseForAccount(ctx, campaignId, runIdOf(message.body), outcome.error);
    message.ack();
  } else {
    message.retry({ delaySeconds: ACCOUNT_ERROR_RETRY_SECONDS });
  }
}

const governor = (ctx: Ctx) => ctx.env.SEND_GOVERNOR.get(ctx.env.SEND_GOVERNOR.idFromName(ctx.account.phoneNumberId));

/**
 * Sends one slice: API sends are persisted first (contact, then the message row), then every
 * message is claimed in one round trip, sent in parallel, and the outcomes recorded in one more.
 */
async function sendSlice(ctx: Ctx, chunk: Message<SendsBody>[]) {
  const toClaim: Message<SendsBody>[] = [];
  // The tags and attributes the slice's API sends name are looked up once, not once per contact.
  const apiJobs = chunk.flatMap((m) => (m.body.kind === "api-send" ? [m.body] : []));
  const known =
    apiJobs.length === 0
      ? undefined
      : await resolveKnown(
          ctx.db,
          ctx.account.projectId,
          apiJobs.flatMap((j) => j.contact.tags ?? []),
          apiJobs.flatMap((j) => Object.keys(j.contact.attributes ?? {})),
        );
  await Promise.all(
    chunk.map(async (message) => {
      const job = message.body;
      const held = verdict(ctx.gate, job) === "hold";
      if (job.kind === "api-send") {
        const { created, skipReason } = await persistApiSend(ctx.db, job, known);
        ctx.transitions.push(created);
        if (skipReason || held) {
          message.ack();
          return;
        }
      } else if (held) {
        message.ack();
        return;
      }
      toClaim.push(message);
    }),
  );
  if (toClaim.length === 0) return;
  const claimed = await claimMessages(
    ctx.db,
    ctx.account.projectId,
    toClaim.map((m) => m.body.messageId),
  );
  const results = await sendClaimed(ctx.provider, claimed);
  const byId = new Map(toClaim.map((m) => [m.body.messageId, m]));
  // A run is complete once it has fanned out and nothing of it is queued or sending. Its last
  // message leaves `sending` here (or the fan-out finishes last and checks itself), so the check
  // rides in the same batch as the outcomes, after them.
  const runIds = [...claimed.values()].flatMap((m) => m.runId ?? []);
  const { outcomes, transitions } = await recordOutcomes(
    ctx.db,
    ctx.account.projectId,
    claimed,
    results,
    (id) => byId.get(id)?.attempts ?? 1,
    ctx.config.MAX_SEND_ATTEMPTS,
    runIds.length > 0 ? completeRunsStatement(ctx.db, runIds) : undefined,
  );
  ctx.transitions.push(...transitions);
  // A message not claimed was already taken by another delivery: acknowledged, never sent twice.
  await Promise.all(toClaim.map((message) => settle(ctx, message, outcomes.get(message.body.messageId))));
}

/** Sends one project's messages, paced by its number's governor, a slice at a time. */
async function sendForProject(ctx: Ctx, messages: Message<SendsBody>[]) {
  // Pair rate: a second message to the same recipient in one batch waits for the next window.
  const seen = new Set<string>();
  const now: Message<SendsBody>[] = [];
  for (const message of messages) {
    const to = message.body.kind === "api-send" ? message.body.contact.number : null;
    if (to && seen.has(to)) message.retry({ delaySeconds: PAIR_RATE_SECONDS });
    else {
      if (to) seen.add(to);
      now.push(message);
    }
  }
  const slice = Math.max(1, Math.min(100, Math.floor(ctx.account.throughput / 10)));
  for (let i = 0; i < now.length; i += slice) {
    const chunk = now.slice(i, i + slice);
    const grant = await governor(ctx).reserve(chunk.length, ctx.account.throughput);
    if (grant.waitMs > MAX_WAIT_MS) {
      for (const message of now.slice(i)) message.retry({ delaySeconds: Math.ceil(grant.waitMs / 1000) });
      return;
    }
    if (grant.waitMs > 0) await sleep(grant.waitMs);
    try {
      await sendSlice(ctx, chunk);
    } catch (err) {
      ctx.log.error("send slice crashed; will retry", { err });
      for (const message of chunk) message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    }
  }
}

export async function consumeSends(batch: MessageBatch, env: Env) {
  const config = readConfig(env);
  const db = createDb(env.DB);
  const log = createLogger({ queue: batch.queue }, logLevel(env));
  const messages = batch.messages as readonly Message<SendsBody>[];

  const gate = await readGate(
    db,
    messages.map((m) => m.body),
  );
  const cancelled = new Set(messages.filter((m) => verdict(gate, m.body) === "skip"));
  const transitions: (Transition | null)[] = [];
  if (cancelled.size > 0) {
    try {
      transitions.push(...(await skipCancelled(db, { ids: [...cancelled].map((m) => m.body.messageId) })));
      for (const message of cancelled) message.ack();
    } catch (err) {
      log.error("cannot skip a cancelled run's messages; will retry", { err });
      for (const message of cancelled) message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    }
  }

  const byProject = new Map<string, Message<SendsBody>[]>();
  for (const message of messages) {
    if (cancelled.has(message)) continue;
    const list = byProject.get(message.body.projectId) ?? [];
    list.push(message);
    byProject.set(message.body.projectId, list);
  }
  await Promise.all(
    [...byProject].map(async ([projectId, list]) => {
      try {
        const { account, provider } = await providerForProject(db, { config, events: env.EVENTS }, projectId);
        await sendForProject({ env, config, db, log, account, provider, gate, transitions }, list);
      } catch (err) {
        log.error("cannot send for project; will retry", { projectId, err });
        for (const message of list) message.retry({ delaySeconds: backoffSeconds(message.attempts) });
      }
    }),
  );
  await afterTransitions(env, db, transitions, log);
}
