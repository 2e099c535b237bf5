import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { sweepStuckMessages } from "../../src/features/delivery/sweep";
import { API_RUN_ID } from "../../src/features/stats/record";
import type { ImportJob } from "../../src/queues/contracts";
import { numbers } from "../audiences/audiences.helpers";
import { apiJob } from "../delivery/pipeline.helpers";
import { createQueueBroker } from "../delivery/queue-broker";
import { call, newProject } from "../helpers";
import { recordingJobs, runChunks, stagedImport } from "../imports/imports.helpers";
import { contactRow, messagesValue, payloadOf, postSigned, text } from "../inbound/inbound.helpers";
import { eventually, messageRow } from "../messages/messages.helpers";
import { ok, runCampaign, runMessages, runReaches } from "../runs/runs.helpers";
import { injectError, receivedSends } from "../standin/standin.helpers";
import { stats } from "../stats/stats.helpers";
import {
  apiScenario,
  broadcastScenario,
  clearFaults,
  countersOf,
  deliver,
  deliverUntilAcked,
  deliverWebhooksUntil,
  expectCountersExact,
  expectOneCallEach,
  expectRecipientsOnce,
  failD1After,
  failD1Now,
  importCsv,
  importOutcome,
  JOBS,
  refuseStatsInOutbox,
  SENDS,
  settle,
  tally,
  unreachableOutbox,
} from "./faults.helpers";

// Fault injection through the real consumers, against the Graph API stand-in: each test kills or
// fails one step, lets the system recover, and then checks (1) no message reached the provider
// twice, (2) the campaign's counters equal a recount from D1, (3) nothing is left queued or sending
// and every job finished, and (4) where a STOP came, it was kept.

// The outbox's log read (src/features/outbox/ledger.ts).
const LEDGER_READ = /SELECT l\.id, l\.at, j\.value AS entry/;
// The send claim, queued → sending, counting the provider call (src/features/delivery/send-batch.ts).
const SEND_CLAIM = /^update "messages" set "status" = \?, "attempts" = "messages"\."attempts" \+ 1/;
// The first statement of a batch's outcome round trip: every success's wamid and sent step.
const OUTCOME_BATCH = /^update "messages" set "status" = iif\(/;
// The statement of a fan-out page's batch that moves the run's cursor (src/features/runs/fanout.ts).
const FANOUT_PAGE = /^update "runs" set "cursor" = \?/;
// The statement of an import batch that moves the import on (src/features/imports/save.ts).
const IMPORT_BATCH = /^update "imports" set "status" = \?, "header" = \?, "bytes_read" = \?/;
// A STOP's opt-out: the contact update of src/features/inbound/identity.ts.
const OPT_OUT = /^update "contacts" set "opted_out" = \?/;

const everything = (count: number) => ({ queued: count, sent: count, delivered: count, read: count });

afterEach(clearFaults);

describe("fault injection: sends and counters", { timeout: 60_000 }, () => {
  // Guards delivery-pipeline.md, "Counters and callbacks from the ledger": a drain lost after the
  // commit (the invocation stopped, or the ledger read failed) is caught up by the cron, once.
  it("a: counts transitions whose outbox call was lost after the D1 commit, or whose ledger read failed, once the cron drains", async () => {
    const s = await apiScenario(20, 100);
    // The sends consumer commits its outcomes, then cannot reach the outbox.
    const lost = unreachableOutbox();
    expect(await deliverUntilAcked(SENDS, s.jobs, lost.env)).toEqual([{ acked: 20, retried: 0, delays: [] }]);
    expect(lost.calls).toBe(1);
    expect(await tally(s.p.id)).toEqual({ sent: 20 });
    expect((await countersOf(s.campaignId)).total).toEqual(stats({}));
    await sweepStuckMessages(env);
    expect((await countersOf(s.campaignId)).total).toEqual(stats({ queued: 20, sent: 20 }));

    // Meta's webhooks are applied while every drain's ledger read fails in D1.
    const readFails = failD1Now(LEDGER_READ, 1_000);
    await deliverWebhooksUntil(s.account, s.p.id, { read: 20 });
    await eventually(
      async () => readFails.hits,
      (hits) => hits > 0,
    );
    expect((await countersOf(s.campaignId)).total).toEqual(stats({ queued: 20, sent: 20 }));
    readFails.clear();

    await settle(s.account, s.p.id, { read: 20 });
    await expectOneCallEach(s.account, s.ids);
    await expectCountersExact(s.campaignId, API_RUN_ID, everything(20));
  });

  // Guards the same section: "a statistics object failed — nothing is lost", and a page handed
  // over again counts once where it was taken (each object skips the rows it has counted).
  it("b: loses nothing when one campaign's statistics object throws inside the outbox, and counts the page handed over again once for the other", async () => {
    const s = await apiScenario(10, 200);
    const other = await call("POST", "/v1/api-campaigns", {
      key: s.p.manager,
      body: { name: "orders-b", templateId: s.templateId },
    });
    expect(other.status).toBe(201);
    const otherId = other.body.id as string;
    const otherJobs = numbers(10, 210).map((n) => apiJob(s.p.id, otherId, s.templateId, n));
    const refusal = await refuseStatsInOutbox(s.campaignId);

    expect(await deliverUntilAcked(SENDS, [...s.jobs, ...otherJobs])).toEqual([{ acked: 20, retried: 0, delays: [] }]);
    expect(refusal.calls).toBeGreaterThan(0);
    expect((await countersOf(s.campaignId)).total).toEqual(stats({}));
    expect((await countersOf(otherId)).total).toEqual(stats({ queued: 10, sent: 10 }));
    // Meta's webhooks while it still throws: the other campaign goes on counting.
    await deliverWebhooksUntil(s.account, s.p.id, { read: 20 });
    await eventually(
      async () => (await countersOf(otherId)).total,
      (total) => total.read === 10,
    );
    expect((await countersOf(s.campaignId)).total).toEqual(stats({}));
    await refusal.restore();

    await settle(s.account, s.p.id, { read: 20 });
    await expectOneCallEach(s.account, [...s.ids, ...otherJobs.map((j) => j.messageId)]);
    await expectCountersExact(s.campaignId, API_RUN_ID, everything(10));
    await expectCountersExact(otherId, API_RUN_ID, everything(10));
  });

  // Guards "Sending, at most once": the claim keeps a message delivered twice at once to one call.
  it("c: a queue delivering every message twice, in concurrent invocations, makes one provider call per message", async () => {
    const s = await apiScenario(20, 300);
    // Batches of four at eight invocations: each message's two copies run in different
    // invocations at the same time (the copies of the first twelve, at least).
    const broker = createQueueBroker({ concurrency: 8, maxBatchSize: 4 });
    broker.send(s.jobs);
    broker.send(s.jobs);
    const report = await broker.run();
    expect(report).toMatchObject({
      drained: true,
      deliveries: 40,
      acked: 40,
      pushBacks: 0,
      failedInvocations: 0,
      deadLettered: [],
      peakConcurrency: 8,
    });
    // And a late third copy of each, as a retry.
    expect((await deliver(SENDS, s.jobs, { attempts: 2 })).acked).toBe(20);
    expect(await receivedSends(s.account)).toHaveLength(20);

    await settle(s.account, s.p.id, { read: 20 });
    await expectOneCallEach(s.account, s.ids);
    await expectCountersExact(s.campaignId, API_RUN_ID, everything(20));
  });

  // Guards "Unknown outcomes": a send that may have reached Meta is never made again on a guess.
  it("d: sends Meta took whose answers broke (a time-out, a reset connection, a gateway's 504) are never sent again and are settled by Meta's webhooks", async () => {
    const s = await apiScenario(12, 400);
    const to = numbers(5, 400);
    const broken = [
      // The test config gives Graph API calls 5 s; the answer is held past that.
      { recipient: to[0], fault: "hang", holdMs: 6_000, mode: "next" },
      { recipient: to[1], fault: "truncate", mode: "next" },
      { recipient: to[2], fault: "truncate", mode: "every", count: 1 },
      { recipient: to[3], fault: "gateway", mode: "next" },
      { recipient: to[4], fault: "gateway", mode: "every", count: 1 },
    ] as const;
    for (const injection of broken) await injectError(s.account, { code: 0, endpoint: "messages", ...injection });

    const first = await deliver(SENDS, s.jobs);
    expect(first).toEqual({ acked: 12, retried: [] });
    expect(await tally(s.p.id)).toEqual({ sending: 5, sent: 7 });
    for (const id of s.ids.slice(0, 5)) {
      expect(await messageRow(id)).toMatchObject({ status: "sending", error_class: "unknown", wamid: null });
    }
    // Redelivered as retries, and swept before Meta says anything: still no second call.
    expect(await deliver(SENDS, s.jobs, { attempts: 2 })).toEqual({ acked: 12, retried: [] });
    await sweepStuckMessages(env);
    expect(await receivedSends(s.account)).toHaveLength(12);
    expect((await countersOf(s.campaignId)).total).toEqual(stats({ queued: 12, sent: 7 }));

    await settle(s.account, s.p.id, { read: 12 });
    await expectOneCallEach(s.account, s.ids);
    for (const id of s.ids.slice(0, 5)) {
      expect(await messageRow(id)).toMatchObject({ status: "read", error_class: null, error_title: null });
    }
    await expectCountersExact(s.campaignId, API_RUN_ID, everything(12));
  });

  // Guards "Retries and failures": D1 failing before the provider call is retried, and sends once.
  it("e: D1 refusing the send claim three times in a row: the queue retries and every message is sent exactly once", async () => {
    const s = await apiScenario(20, 500);
    const fault = failD1Now(SEND_CLAIM, 3);
    const deliveries = await deliverUntilAcked(SENDS, s.jobs);
    expect(fault.hits).toBe(3);
    expect(deliveries.map((d) => [d.acked, d.retried])).toEqual([
      [0, 20],
      [0, 20],
      [0, 20],
      [20, 0],
    ]);
    // Each retry backs off: the queue does not hammer a failing D1.
    expect(deliveries.flatMap((d) => d.delays).every((delay) => (delay ?? 0) >= 1)).toBe(true);
    expect(await receivedSends(s.account)).toHaveLength(20);

    await settle(s.account, s.p.id, { read: 20 });
    await expectOneCallEach(s.account, s.ids);
    await expectCountersExact(s.campaignId, API_RUN_ID, everything(20));
  });

  // Guards "Sending, at most once" when the outcome round trip fails after the provider calls.
  it("e: D1 refusing the outcome batch after Meta took the sends: the retry finds them claimed and sends nothing again; Meta's webhooks settle them", async () => {
    const s = await apiScenario(20, 600);
    // Refused however often this invocation tries to record the outcomes.
    const fault = failD1Now(OUTCOME_BATCH, 5);
    const first = await deliver(SENDS, s.jobs);
    expect(first.acked).toBe(0);
    expect(first.retried).toHaveLength(20);
    const refused = fault.hits;
    expect(refused).toBeGreaterThan(0);
    expect(await tally(s.p.id)).toEqual({ sending: 20 });
    // The redelivery claims nothing: no provider call, and no outcome batch to refuse.
    expect(await deliver(SENDS, s.jobs, { attempts: 2 })).toEqual({ acked: 20, retried: [] });
    expect(fault.hits).toBe(refused);
    expect(await receivedSends(s.account)).toHaveLength(20);
    fault.clear();

    await settle(s.account, s.p.id, { read: 20 });
    await expectOneCallEach(s.account, s.ids);
    await expectCountersExact(s.campaignId, API_RUN_ID, everything(20));
  });
});

/** Every message of the run read after Meta's webhooks, one accepted call each, counters exact. */
async function expectRunRecovered(r: Awaited<ReturnType<typeof broadcastScenario>>, runId: string, count: number) {
  await settle(r.account, r.p.id, { read: count });
  await expectOneCallEach(
    r.account,
    (await runMessages(runId)).map((m) => m.id),
  );
  await expectCountersExact(r.c.campaignId, runId, everything(count));
}

describe("fault injection: fan-out, imports and opt-outs", { timeout: 60_000 }, () => {
  // Guards runs.md, "Fan-out at scale": a page's batch applies whole or not at all, and the
  // retried job goes on from the run's cursor.
  it("f: a broadcast run's fan-out stopped at its third page (its D1 batch fails) records and sends every recipient once, and the run completes", async () => {
    // The D1 fan-out's own fault: the page batch that fails is the messages table's.
    const r = await broadcastScenario(10, 700, "d1");
    const fault = failD1After(FANOUT_PAGE, 2);
    const run = (await ok(runCampaign(r.p.manager, { campaignId: r.c.campaignId, audiences: ["club"] }), 202)).run;
    await runReaches(r.p.manager, run.runId, ["completed"]);
    expect(fault.hits).toBe(1);
    await expectRecipientsOnce(run.runId, r.members);

    await expectRunRecovered(r, run.runId, 10);
  });

  // Guards the fan-out's cursor compare-and-set and its one message per run and number.
  it("f: a fan-out job delivered three times at once (two copies beside the queue's own) records and sends every recipient once", async () => {
    const r = await broadcastScenario(10, 720, "d1");
    const run = (await ok(runCampaign(r.p.manager, { campaignId: r.c.campaignId, audiences: ["club"] }), 202)).run;
    const job = { kind: "run-fanout", runId: run.runId, projectId: r.p.id };
    const copies = await Promise.all([deliver(JOBS, [job]), deliver(JOBS, [job])]);
    expect(copies).toEqual([
      { acked: 1, retried: [] },
      { acked: 1, retried: [] },
    ]);
    await runReaches(r.p.manager, run.runId, ["completed"]);
    await expectRecipientsOnce(run.runId, r.members);

    await expectRunRecovered(r, run.runId, 10);
  });

  // Guards imports.md, "Exactly once, and the sweep": a failed chunk is retried, and of two copies
  // of a chunk's job (at once, or late) one applies it.
  it("g: an import stopped mid-file (a chunk's D1 batch fails once), its chunk jobs delivered twice at once and again late, applies every row once and completes", async () => {
    const p = await newProject();
    const { csv, repeated } = importCsv();
    const reference = await stagedImport(p.id, csv, { kind: "variable_group", groupId: "ref", audienceId: "ref" });
    await runChunks(reference);
    const expected = await importOutcome(p.id, reference.importId, "ref");
    expect(expected.counters).toEqual({
      status: "completed",
      bytesRead: csv.length,
      lines: 30,
      rowsDone: 26,
      rowsRejected: 3,
    });
    expect(Object.keys(expected.values)).toHaveLength(24);
    expect(expected.values[repeated]).toEqual({ first_name: "Last" });

    const first: ImportJob = {
      ...(await stagedImport(p.id, csv, { kind: "variable_group", groupId: "hit", audienceId: "hit" })),
      chunkRows: 4,
    };
    const fault = failD1After(IMPORT_BATCH, 3);
    const jobs = recordingJobs();
    const retries: (number | undefined)[] = [];
    let chunks = 0;
    for (let job: unknown = first; job !== undefined; job = jobs.sent.shift()) {
      // Each chunk's job is delivered twice at once; a copy that fails is retried.
      const copies = await Promise.all([0, 1].map(() => deliverUntilAcked(JOBS, [job], jobs.env)));
      retries.push(...copies.flat().flatMap((d) => d.delays));
      expect(jobs.sent.length, "one copy of a chunk goes on with the next").toBeLessThanOrEqual(1);
      // The queue delivers the acknowledged job once more, late: it changes nothing.
      const before = await importOutcome(p.id, first.importId, "hit");
      const queued = jobs.sent.length;
      expect((await deliver(JOBS, [job], { attempts: 1, bindings: jobs.env })).acked).toBe(1);
      expect(await importOutcome(p.id, first.importId, "hit")).toEqual(before);
      expect(jobs.sent).toHaveLength(queued);
      chunks += 1;
      expect(chunks, "the import does not end").toBeLessThan(20);
    }
    expect(fault.hits).toBe(1);
    expect(retries).toEqual([5]);
    expect(chunks).toBe(8);
    expect(await importOutcome(p.id, first.importId, "hit")).toEqual(expected);
  });

  // Guards inbound.md, "Opt-out and opt-in": a STOP that fails to apply is retried off the events
  // queue, never dropped, and a later broadcast honours it.
  it("h: a STOP whose first processing fails in D1 is retried: the contact ends opted out, and the next broadcast skips it", async () => {
    const r = await broadcastScenario(6, 740, "d1");
    const stopper = r.members[2] as string;
    const fault = failD1Now(OPT_OUT, 1);
    const stop = payloadOf(
      r.account.wabaId,
      "messages",
      messagesValue([text("STOP", { from: stopper.slice(1) })], r.account.phoneNumberId),
    );
    expect(await postSigned(r.account.appSecret, stop)).toEqual({ status: 200, body: { received: 1 } });
    await eventually(
      () => contactRow(r.p.id, stopper),
      (row) => row?.opted_out === 1,
    );
    expect(fault.hits).toBe(1);

    const run = (await ok(runCampaign(r.p.manager, { campaignId: r.c.campaignId, audiences: ["club"] }), 202)).run;
    await runReaches(r.p.manager, run.runId, ["completed"]);
    const rows = await runMessages(run.runId);
    expect(rows.filter((m) => m.status === "skipped").map((m) => [m.number, m.skip_reason])).toEqual([
      [stopper, "opted_out"],
    ]);

    await settle(r.account, r.p.id, { read: 5, skipped: 1 });
    await expectOneCallEach(
      r.account,
      rows.filter((m) => m.number !== stopper).map((m) => m.id),
    );
    await expectCountersExact(r.c.campaignId, run.runId, { ...everything(5), skipped: 1 });
    expect((await contactRow(r.p.id, stopper))?.opted_out).toBe(1);
  });
});
