import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { runLedger } from "../../src/features/run-ledger";
import { sweepLedgerRuns } from "../../src/features/run-ledger/sweep-runs";
import { newMessageId } from "../../src/platform/ids";
import { createLogger } from "../../src/platform/log";
import type { ClaimJob } from "../../src/queues/contracts";
import { failD1 } from "../d1-faults";
import { BACKLOG_TEMPLATE } from "../delivery/backlog.helpers";
import { feedIntoBroker, unreachableGovernor } from "../delivery/governor.helpers";
import { connectedProject, runQueue } from "../delivery/pipeline.helpers";
import { createQueueBroker } from "../delivery/queue-broker";
import { db, runQueueBatch } from "../helpers";
import { receivedSends, seedTemplate } from "../standin/standin.helpers";

// A run kept in its own object, sent by the sends consumer as Cloudflare runs it: many invocations
// at once, each with its own batch of claim jobs (test/delivery/queue-broker.ts), all claiming in
// the one object. The governor, the consumer, the object and the stand-in Graph API are the real
// ones. Every recipient must get one message, whatever the invocations' overlap.

const RATE = 40;
const RECIPIENTS = 240;

/** A fanned-out run of `recipients` in its own object, on a fresh Meta account at the stand-in. */
async function objectRun(recipients: number) {
  const { p, account } = await connectedProject({ autoApprove: true, throughput: RATE });
  await seedTemplate(account, {
    name: BACKLOG_TEMPLATE.name,
    category: "UTILITY",
    components: [{ type: "BODY", text: BACKLOG_TEMPLATE.text }],
  });
  const now = Date.now();
  const campaignId = `cmp_${newMessageId().slice(4)}`;
  const runId = `run_${newMessageId().slice(4)}`;
  const [, , row] = await env.DB.batch([
    env.DB.prepare(
      "INSERT INTO campaigns (id, project_id, kind, name, status, created_at, updated_at) VALUES (?1, ?2, 'broadcast', ?1, 'live', ?3, ?3)",
    ).bind(campaignId, p.id, now),
    env.DB.prepare(
      `INSERT INTO runs (id, ref, ledger, project_id, campaign_id, status, audiences, queued, created_at, started_at, fanned_out_at, updated_at)
       VALUES (?1, CAST((SELECT coalesce(max(rowid), 0) + 1 FROM runs) AS TEXT), 'object', ?2, ?3, 'sending', '[]', ?4, ?5, ?5, ?5, ?5)`,
    ).bind(runId, p.id, campaignId, recipients, now),
    env.DB.prepare("SELECT ref FROM runs WHERE id = ?").bind(runId),
  ]);
  const ref = (row?.results[0] as { ref: string } | undefined)?.ref;
  if (!ref) throw new Error("the run was not created");
  const meta = { projectId: p.id, campaignId, runId, runRef: ref };
  const ledger = runLedger(env, ref);
  for (let from = 1; from <= recipients; from += 100) {
    await ledger.record(
      meta,
      [],
      Array.from({ length: Math.min(100, recipients - from + 1) }, (_, i) => {
        const to = `+9197${String(from + i).padStart(8, "0")}`;
        const payload = {
          to,
          template: { name: BACKLOG_TEMPLATE.name, language: "en_US" },
          body: ["Asha", `#${from + i}`],
        };
        return { slot: from + i, number: to, payload: JSON.stringify(payload), base: null, skipReason: null };
      }),
    );
  }
  return { backlog: { projectId: p.id, account, jobs: [], runId, campaignId }, ref };
}

describe("a run kept in its own object, under concurrent consumer invocations", { timeout: 90_000 }, () => {
  for (const [concurrency, batchSize] of [
    [25, 4],
    [250, 1],
  ] as const) {
    it(`sends each recipient once at C = ${concurrency}, and the run completes`, async () => {
      const { backlog, ref } = await objectRun(RECIPIENTS);
      const broker = createQueueBroker({
        concurrency,
        maxBatchSize: batchSize,
        durationMs: 60_000,
        // A stub of its own each time: the broker may ask from within the governor's delivery.
        until: async () => (await runLedger(env, ref).unsettled()) === 0,
      });
      await feedIntoBroker(backlog, broker, RATE);
      const report = await broker.run();

      const sends = await receivedSends(backlog.account);
      expect(report.drained).toBe(true);
      expect(report.deadLettered).toEqual([]);
      expect(sends).toHaveLength(RECIPIENTS);
      expect(new Set(sends.map((s) => (s.body as { to: string }).to)).size).toBe(RECIPIENTS);
      // Fresh stubs after the run: the broker may resume this test from within the governor.
      expect(await runLedger(env, ref).counts()).toMatchObject({ queued: 0, waiting: 0, sent: RECIPIENTS });
      const run = await env.DB.prepare("SELECT status FROM runs WHERE id = ?")
        .bind(backlog.runId)
        .first<{ status: string }>();
      expect(run?.status).toBe("completed");
    });
  }
});

describe("a run kept in its own object, when D1 or the governor fails before a send", { timeout: 30_000 }, () => {
  it("gives its claims back when the opt-out check fails, and sends each once on the next delivery", async () => {
    const { backlog, ref } = await objectRun(20);
    const jobs: ClaimJob[] = Array.from({ length: 20 }, () => ({
      kind: "claim",
      projectId: backlog.projectId,
      campaignId: backlog.campaignId,
      runId: backlog.runId,
      runRef: ref,
    }));
    const fault = failD1(env.DB, /SELECT c\.number FROM json_each\(\?\) j\s+JOIN contacts c/, 1);
    await runQueue("wa-campaigns-sends", jobs);
    expect(fault.hits).toBe(1);
    expect(await receivedSends(backlog.account)).toHaveLength(0);
    // Nothing was sent, so nothing stays claimed: all 20 wait to be claimed again.
    expect(await runLedger(env, ref).counts()).toMatchObject({ queued: 20, waiting: 20, sent: 0 });
    await runQueue("wa-campaigns-sends", jobs, 2);
    expect(await receivedSends(backlog.account)).toHaveLength(20);
    expect(await runLedger(env, ref).counts()).toMatchObject({ queued: 0, waiting: 0, sent: 20 });
  });

  it("gives its claims back when the number's governor fails before any send, and sends each once on the retry", async () => {
    const { backlog, ref } = await objectRun(10);
    const jobs: ClaimJob[] = Array.from({ length: 10 }, () => ({
      kind: "claim",
      projectId: backlog.projectId,
      campaignId: backlog.campaignId,
      runId: backlog.runId,
      runRef: ref,
    }));
    // The governor unreachable: every call to it fails, after the messages were claimed.
    const broken = unreachableGovernor(env);
    const { retried } = await runQueueBatch(
      "wa-campaigns-sends",
      jobs.map((body, i) => ({ id: `g${i}`, timestamp: new Date(), attempts: 1, body })),
      broken,
    );
    expect(retried).toHaveLength(10);
    expect(await receivedSends(backlog.account)).toHaveLength(0);
    // Nothing was sent, so nothing stays claimed for the sweep to fail: all 10 wait again.
    expect(await runLedger(env, ref).counts()).toMatchObject({ queued: 10, waiting: 10, sent: 0 });
    await runQueue("wa-campaigns-sends", jobs, 2);
    expect(await receivedSends(backlog.account)).toHaveLength(10);
    expect(await runLedger(env, ref).counts()).toMatchObject({ queued: 0, waiting: 0, sent: 10 });
  });
});

describe("the sweep over runs kept in their own objects", () => {
  it("fails what was left sending as an unknown outcome, and completes the settled run", async () => {
    const { backlog, ref } = await objectRun(5);
    // Claimed by a consumer that never came back.
    await runLedger(env, ref).claim(5, 1_000);
    const now = Date.now();
    const swept = await sweepLedgerRuns(env, db(), createLogger({}, "error"), {
      now,
      stuckBefore: now - 60_000,
      watchMs: 86_400_000,
    });
    expect(swept.failed).toBeGreaterThanOrEqual(5);
    expect(await runLedger(env, ref).counts()).toMatchObject({ queued: 0, failed: 5 });
    const run = await env.DB.prepare("SELECT status FROM runs WHERE id = ?")
      .bind(backlog.runId)
      .first<{ status: string }>();
    expect(run?.status).toBe("completed");
    const [row] = await runLedger(env, ref).page(0, 1);
    expect(row).toMatchObject({ state: "failed", error_class: "unknown", error_title: "Send outcome unknown" });
  });
});
