import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { Counts } from "../../src/durable-objects/campaign-stats/counters";
import { sweepStuckMessages } from "../../src/features/delivery/sweep";
import { type Outbox, outbox } from "../../src/features/outbox";
import { campaignStats } from "../../src/features/stats/record";
import { decodeCallback } from "../../src/whatsapp/message-ref";
import { numbers } from "../audiences/audiences.helpers";
import { failD1 } from "../d1-faults";
import { apiJob, deliverWebhooks, metaCampaign } from "../delivery/pipeline.helpers";
import { call, runQueueBatch } from "../helpers";
import { audienceMembers, groupValues, importCounters, storedRejects } from "../imports/imports.helpers";
import { eventually } from "../messages/messages.helpers";
import { clubCampaign, keepRunsInD1, runMessages } from "../runs/runs.helpers";
import { clearErrors, receivedSends, type StandInAccount } from "../standin/standin.helpers";
import { stats } from "../stats/stats.helpers";

// The fault suite's harness: the Worker's real consumers, driven batch by batch with a fault in
// one step, and the four checks every scenario ends with once the faults are over — one provider
// call per message, counters equal to a recount from D1, nothing left queued or sending, and (where
// a STOP came) the opt-out kept.

export const SENDS = "wa-campaigns-sends";
export const JOBS = "wa-campaigns-jobs";

// ---- faults, and their clean-up ----------------------------------------------------------------

const cleanUps: (() => unknown)[] = [];

/** Remembers how to undo a fault; `clearFaults` (run after each test) undoes them all. */
export function undoLater<T extends { clear: () => unknown }>(fault: T): T {
  cleanUps.push(() => fault.clear());
  return fault;
}

/** Clears the stand-in's error injections for `account` after the test, whatever happens. */
export function clearErrorsLater(account: StandInAccount) {
  cleanUps.push(() => clearErrors(account));
}

export async function clearFaults() {
  for (const clean of cleanUps.splice(0).reverse()) await clean();
}

/**
 * A pattern that matches only from its `skip + 1`-th matching statement on, so that a D1 fault
 * strikes in the middle of a job (the third page of a fan-out, the fourth batch of an import)
 * rather than at its first statement.
 */
class AfterMatches extends RegExp {
  private seen = 0;
  constructor(
    pattern: RegExp,
    private readonly skip: number,
  ) {
    super(pattern.source, pattern.flags);
  }
  override test(text: string): boolean {
    if (!super.test(text)) return false;
    this.seen += 1;
    return this.seen > this.skip;
  }
}

/** `failD1`, striking only after `skip` statements matching `match` went through; undone after the test. */
export const failD1After = (match: RegExp, skip: number, times = 1) =>
  undoLater(failD1(env.DB, new AfterMatches(match, skip), times));

/** `failD1` on the test D1, undone after the test. */
export const failD1Now = (match: RegExp, times: number) => undoLater(failD1(env.DB, match, times));

/** The Worker's bindings with an OUTBOX the invocation never reaches: as if it stopped right after its D1 commit. */
export function unreachableOutbox() {
  let calls = 0;
  const OUTBOX = {
    getByName: () => {
      calls += 1;
      throw new Error("invocation stopped after its commit");
    },
  };
  return {
    env: { ...env, OUTBOX } as unknown as Env,
    get calls() {
      return calls;
    },
  };
}

/**
 * Makes `campaignId`'s statistics object throw whenever the real Outbox object hands it a page
 * (as a reset or overloaded object would), while every other campaign's object works; undone
 * after the test, or by `restore()`.
 */
export async function refuseStatsInOutbox(campaignId: string) {
  const stub = outbox(env);
  let calls = 0;
  let original: Env | undefined;
  await runInDurableObject(stub, (instance: Outbox) => {
    const object = instance as unknown as { env: Env };
    original = object.env;
    const real = original.CAMPAIGN_STATS;
    const refused = new WeakSet<DurableObjectId>();
    const CAMPAIGN_STATS = {
      idFromName: (name: string) => {
        const id = real.idFromName(name);
        if (name === campaignId) refused.add(id);
        return id;
      },
      get: (id: DurableObjectId) =>
        refused.has(id)
          ? {
              addMany: async () => {
                calls += 1;
                throw new Error("statistics object reset");
              },
            }
          : real.get(id),
    };
    object.env = { ...original, CAMPAIGN_STATS } as unknown as Env;
  });
  const restore = () =>
    runInDurableObject(stub, (instance: Outbox) => {
      if (original) (instance as unknown as { env: Env }).env = original;
    });
  cleanUps.push(restore);
  return {
    get calls() {
      return calls;
    },
    restore,
  };
}

// ---- driving the real consumers ----------------------------------------------------------------

/** Runs the Worker's queue handler on one batch of `bodies`: which were acked, which retried and with what delay. */
export async function deliver(queue: string, bodies: unknown[], options: { attempts?: number; bindings?: Env } = {}) {
  const ids = bodies.map((_, i) => `m${i}`);
  const { result, retried } = await runQueueBatch(
    queue,
    bodies.map((body, i) => ({ id: ids[i] as string, timestamp: new Date(), attempts: options.attempts ?? 1, body })),
    options.bindings,
  );
  return {
    acked: result.explicitAcks.length,
    retried: retried.map((r) => ({ body: bodies[ids.indexOf(r.msgId)], delaySeconds: r.delaySeconds })),
  };
}

/**
 * Plays the queue's retries without their delays: delivers `bodies`, then the retried ones again
 * with one more attempt each, until every one is acknowledged. Returns each delivery's acks, and
 * the delays asked for by its retries.
 */
export async function deliverUntilAcked(queue: string, bodies: unknown[], bindings: Env = env) {
  const deliveries: { acked: number; retried: number; delays: (number | undefined)[] }[] = [];
  let pending = bodies;
  for (let attempts = 1; pending.length > 0; attempts++) {
    expect(attempts, "still retried after ten deliveries").toBeLessThanOrEqual(10);
    const { acked, retried } = await deliver(queue, pending, { attempts, bindings });
    deliveries.push({ acked, retried: retried.length, delays: retried.map((r) => r.delaySeconds) });
    pending = retried.map((r) => r.body);
  }
  return deliveries;
}

/** A live API campaign on a fresh stand-in account, and one accepted send for each of `count` distinct numbers. */
export async function apiScenario(count: number, firstNumber: number) {
  const setup = await metaCampaign(1000);
  clearErrorsLater(setup.account);
  const jobs = numbers(count, firstNumber).map((number) =>
    apiJob(setup.p.id, setup.campaignId, setup.templateId, number),
  );
  return { ...setup, jobs, ids: jobs.map((job) => job.messageId) };
}

/** The same counts by status, whatever their order. */
const sameTally = (a: Record<string, number>, b: Record<string, number>) =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

/** The project's messages counted by status. */
export async function tally(projectId: string): Promise<Record<string, number>> {
  const { results } = await env.DB.prepare(
    "SELECT status, count(*) AS n FROM messages WHERE project_id = ? GROUP BY status ORDER BY status",
  )
    .bind(projectId)
    .all<{ status: string; n: number }>();
  return Object.fromEntries(results.map((r) => [r.status, r.n]));
}

/** Delivers Meta's status webhooks and waits until the events consumer has applied them all. */
export async function deliverWebhooksUntil(
  account: StandInAccount,
  projectId: string,
  expected: Record<string, number>,
) {
  // Delivered again on each look: a send parked by its governor (a slot missed under load) goes
  // out later, and Meta's webhooks for it then come later too.
  await eventually(
    async () => {
      await deliverWebhooks(account);
      return tally(projectId);
    },
    (now) => sameTally(now, expected),
  );
}

/**
 * After the faults: Meta's status webhooks delivered (the events consumer applies them off the
 * queue), every message at `expected`, then the every-minute cron's sweep, which also drains the
 * outbox. Asserts (3): nothing is left queued or sending.
 */
export async function settle(account: StandInAccount, projectId: string, expected: Record<string, number>) {
  await deliverWebhooksUntil(account, projectId, expected);
  await sweepStuckMessages(env);
  const after = await tally(projectId);
  expect(after).toEqual(expected);
  expect(after.queued ?? 0, "messages left queued").toBe(0);
  expect(after.sending ?? 0, "messages left sending").toBe(0);
}

// ---- the checks --------------------------------------------------------------------------------

const messageIdOf = (body: unknown) =>
  decodeCallback((body as { biz_opaque_callback_data?: string }).biz_opaque_callback_data)?.messageId ?? null;

/**
 * (1) No duplicate provider call: every message in `messageIds` reached the stand-in exactly once,
 * and was taken; no other message of the account did; no recipient got two accepted sends; and
 * each message row carries the wamid of its one call.
 */
export async function expectOneCallEach(account: StandInAccount, messageIds: string[]) {
  const sends = await receivedSends(account);
  const calls = new Map<string, typeof sends>();
  for (const send of sends) {
    const id = messageIdOf(send.body) ?? "(no message id)";
    calls.set(id, [...(calls.get(id) ?? []), send]);
  }
  const twice = [...calls].filter(([, list]) => list.length > 1).map(([id, list]) => [id, list.length]);
  expect(twice, "messages sent more than once").toEqual([]);
  expect([...calls.keys()].sort()).toEqual([...messageIds].sort());
  expect(sends.every((send) => send.accepted)).toBe(true);
  const recipients = sends.filter((s) => s.accepted).map((s) => (s.body as { to: string }).to);
  expect(new Set(recipients).size, "a recipient got two accepted sends").toBe(recipients.length);
  const { results } = await env.DB.prepare(
    "SELECT id, wamid FROM messages WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id",
  )
    .bind(JSON.stringify(messageIds))
    .all<{ id: string; wamid: string | null }>();
  expect(results.map((r) => [r.id, r.wamid])).toEqual(
    [...messageIds].sort().map((id) => [id, calls.get(id)?.[0]?.wamid]),
  );
}

/** The campaign's counters, per run and in total. */
export const countersOf = (campaignId: string) => campaignStats(env, campaignId).read();

/**
 * (2) The campaign's counters are exactly `expected` (its one run `runId`, and in total), and the
 * operator's recount from D1 finds no difference.
 */
export async function expectCountersExact(campaignId: string, runId: string, expected: Partial<Counts>) {
  expect(await countersOf(campaignId)).toEqual({ total: stats(expected), runs: { [runId]: stats(expected) } });
  const recount = await call("POST", `/v1/admin/campaigns/${campaignId}/recount`, { admin: true });
  expect(recount.status, JSON.stringify(recount.body)).toBe(200);
  expect(recount.body.differences).toEqual([]);
}

// ---- broadcast runs and imports ----------------------------------------------------------------

/** A broadcast campaign to an audience "club" of `count` numbers (runs.helpers.ts), its stand-in errors cleared after the test. */
export async function broadcastScenario(count: number, firstNumber: number, ledger?: "d1") {
  const scenario = await clubCampaign(true, count, firstNumber);
  if (ledger) await keepRunsInD1(scenario.p.id);
  clearErrorsLater(scenario.account);
  return scenario;
}

/** Every member has exactly one message in the run. */
export async function expectRecipientsOnce(runId: string, members: string[]) {
  const rows = await runMessages(runId);
  expect(rows.map((m) => m.number)).toEqual([...members].sort());
}

/**
 * A CSV of 29 rows for a variable group: 24 numbers, `repeated` given again twice with a newer
 * value each time (a chunk applied again after a later one shows as an older value coming back),
 * and three invalid numbers.
 */
export function importCsv() {
  const pool = numbers(24, 900);
  const rows = pool.map((number, i) => `${number},N${i}`);
  rows.splice(5, 0, "12345,Bad");
  rows.splice(10, 0, `${pool[0]},Again`);
  rows.splice(16, 0, "99,Bad");
  rows.splice(22, 0, `${pool[0]},Last`);
  rows.splice(27, 0, "+1,Bad");
  return { csv: `${["number,first_name", ...rows].join("\n")}\n`, repeated: pool[0] as string };
}

/** What an import into the group and audience `id` left: its counters, members, values and rejects. */
export async function importOutcome(projectId: string, importId: string, id: string) {
  return {
    counters: await importCounters(importId),
    members: await audienceMembers(projectId, id),
    values: await groupValues(projectId, id),
    rejects: await storedRejects(importId),
  };
}
