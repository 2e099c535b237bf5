import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sweepStuckMessages } from "../../src/features/delivery/sweep";
import { applyStatus } from "../../src/features/messages/status";
import { outbox } from "../../src/features/outbox";
import { drainPage } from "../../src/features/outbox/drain";
import { readLog } from "../../src/features/outbox/ledger";
import { skipCancelled } from "../../src/features/runs/cancelled";
import { campaignStats } from "../../src/features/stats/record";
import { measureD1 } from "../d1-cost";
import { failD1 } from "../d1-faults";
import { db, newProject } from "../helpers";
import { historyStatuses, insertQueuedMessage, messageRow, templateMessage } from "../messages/messages.helpers";
import { stats } from "../stats/stats.helpers";

// Counters and callbacks follow the ledger's log rows, which D1 commits together with each
// batch of transitions: whatever fails after the commit, a later drain (the writer's, the outbox's alarm or
// the cron's) counts every transition exactly once.

const newCampaignId = () => `cmp_outbox_${crypto.randomUUID().replaceAll("-", "")}`;
const read = (campaignId: string) => campaignStats(env, campaignId).read();

/** `n` queued messages of a campaign (and run), recorded as the senders do, log rows included. */
async function queued(n: number, campaignId: string, runId: string | null = null) {
  const p = await newProject();
  // A run as an earlier version recorded it (no ref): its messages carry its id.
  if (runId)
    await env.DB.prepare(
      "INSERT INTO runs (id, project_id, campaign_id, status, audiences, created_at, updated_at) VALUES (?, ?, ?, 'sending', '[]', 0, 0)",
    )
      .bind(runId, p.id, campaignId)
      .run();
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const number = `+91980000${String(i).padStart(4, "0")}`;
    ids.push(
      await insertQueuedMessage(db(), {
        projectId: p.id,
        number,
        templateId: null,
        campaignId,
        runId,
        payload: templateMessage(number),
      }),
    );
  }
  return { projectId: p.id, ids };
}

const sent = (projectId: string, messageId: string, status: "sent" | "delivered" | "read" = "sent") =>
  applyStatus(db(), { projectId, messageId }, { status, at: Date.now() });

describe("the ledger's outbox", () => {
  it("counts transitions whose writer never asked it to drain (stopped after the commit), at the next cron", async () => {
    const campaignId = newCampaignId();
    const { projectId, ids } = await queued(3, campaignId);
    // Committed to D1, and nothing else: the invocation that wrote them stopped here.
    await sent(projectId, ids[0] as string, "read");
    await sent(projectId, ids[1] as string);
    await sweepStuckMessages(env);
    expect(await read(campaignId)).toEqual({
      total: stats({ queued: 3, sent: 2, delivered: 1, read: 1 }),
      runs: { api: stats({ queued: 3, sent: 2, delivered: 1, read: 1 }) },
    });
  });

  it("hands a page over twice without counting it twice (a drain that stopped before saving its place)", async () => {
    const campaignId = newCampaignId();
    const before = await outbox(env).watermark();
    const { projectId, ids } = await queued(2, campaignId, "run_twice");
    await sent(projectId, ids[0] as string, "delivered");
    for (let i = 0; i < 2; i++) await drainPage(env, db(), before, 10_000);
    await outbox(env).drain();
    expect((await read(campaignId)).total).toEqual(stats({ queued: 2, sent: 1, delivered: 1 }));
  });

  it("loses nothing when a campaign's statistics object fails: the page is handed over again", async () => {
    const campaignId = newCampaignId();
    const before = await outbox(env).watermark();
    const { projectId, ids } = await queued(2, campaignId);
    await sent(projectId, ids[0] as string);
    const refusing = {
      ...env,
      CAMPAIGN_STATS: {
        idFromName: (name: string) => env.CAMPAIGN_STATS.idFromName(name),
        get: () => ({
          addMany: async () => {
            throw new Error("statistics object reset");
          },
        }),
      },
    } as unknown as Env;
    await expect(drainPage(refusing, db(), before, 10_000)).rejects.toThrow();
    await outbox(env).drain();
    expect((await read(campaignId)).total).toEqual(stats({ queued: 2, sent: 1 }));
  });

  it("keeps the counts of an events batch that failed midway, though its redelivery finds them applied", async () => {
    const campaignId = newCampaignId();
    const { projectId, ids } = await queued(2, campaignId);
    // First delivery: the first status commits, then the batch fails before anything is counted.
    await sent(projectId, ids[0] as string, "delivered");
    // Redelivery: the first status is a replay now (no transition), the second applies.
    expect(await sent(projectId, ids[0] as string, "delivered")).toBeNull();
    await sent(projectId, ids[1] as string, "delivered");
    await outbox(env).drain();
    expect((await read(campaignId)).total).toEqual(stats({ queued: 2, sent: 2, delivered: 2 }));
  });

  it("counts a status that came between a send's claim and its outcome once, and what follows it once", async () => {
    const campaignId = newCampaignId();
    const { projectId, ids } = await queued(1, campaignId);
    const id = ids[0] as string;
    // Claimed; Meta's delivered webhook lands before the send's outcome is recorded, then read follows.
    await env.DB.prepare("UPDATE messages SET status = 'sending' WHERE id = ?").bind(id).run();
    await sent(projectId, id, "delivered");
    await sent(projectId, id, "read");
    await outbox(env).drain();
    expect((await read(campaignId)).total).toEqual(stats({ queued: 1, sent: 1, delivered: 1, read: 1 }));
  });
});

describe("the outbox's reads", () => {
  it("reads a page of log rows without reading the messages they list", async () => {
    const campaignId = newCampaignId();
    const before = await outbox(env).watermark();
    const { projectId, ids } = await queued(20, campaignId, "run_page_reads");
    for (const id of ids) await sent(projectId, id);
    // Each log row carries what the counters and callbacks need (project, campaign, run, error), so
    // handing 40 moves over reads each log row and each of its entries (D1 counts json_each's rows),
    // where it also read each message's index entry and row, and sorted the entries.
    const { cost } = await measureD1(env.DB, () => drainPage(env, db(), before, 10_000), { bySql: true });
    const reads = [...(cost.bySql?.entries() ?? [])].filter(([text]) => /\bl\.id\b|ledger_log/.test(text));
    // The rows past the watermark: this test's 40 moves, and any another test left undrained.
    const log = (await env.DB.prepare(
      "SELECT count(*) AS n, sum(json_array_length(entries)) AS entries FROM ledger_log WHERE id > ?",
    )
      .bind(before)
      .first<{ n: number; entries: number }>()) ?? { n: 0, entries: 0 };
    expect(log.entries).toBeGreaterThanOrEqual(40);
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.reduce((sum, [, c]) => sum + c.rowsRead, 0)).toBeLessThanOrEqual(log.n + log.entries + 1);
    expect((await read(campaignId)).runs).toEqual({ run_page_reads: stats({ queued: 20, sent: 20 }) });
  });

  it("names a run's campaign from the run when its messages leave it out, one read per run", async () => {
    const campaignId = newCampaignId();
    const runId = `run_outbox_${crypto.randomUUID().replaceAll("-", "")}`;
    const p = await newProject();
    await env.DB.prepare(
      "INSERT INTO runs (id, project_id, campaign_id, status, audiences, created_at, updated_at) VALUES (?, ?, ?, 'sending', '[]', 0, 0)",
    )
      .bind(runId, p.id, campaignId)
      .run();
    // As a run's fan-out records them: campaign_id NULL, the run names the campaign.
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const number = `+91980000${String(i).padStart(4, "0")}`;
      const message = { projectId: p.id, number, templateId: null, campaignId: null, runId };
      ids.push(await insertQueuedMessage(db(), { ...message, payload: templateMessage(number) }));
    }
    const before = await outbox(env).watermark();
    for (const id of ids) await sent(p.id, id);
    const { cost } = await measureD1(env.DB, () => drainPage(env, db(), before, 10_000), { bySql: true });
    const runReads = [...(cost.bySql?.entries() ?? [])].filter(([text]) => /\bruns r\b/.test(text));
    // Twelve moves of one run: at most one statement (none when this isolate knows the run from the
    // drain of its queued moves), reading the list's value, the run's key entry and its row.
    expect(runReads.length).toBeLessThanOrEqual(1);
    for (const [, c] of runReads) expect([c.statements, c.rowsRead]).toEqual([1, 3]);
    await outbox(env).drain();
    expect((await read(campaignId)).runs).toEqual({ [runId]: stats({ queued: 12, sent: 12 }) });
  });

  it("counts a failure with the error its message had when it failed", async () => {
    const campaignId = newCampaignId();
    const { projectId, ids } = await queued(1, campaignId);
    await applyStatus(
      db(),
      { projectId, messageId: ids[0] as string },
      { status: "failed", at: Date.now(), error: { code: 131026, title: "Undeliverable", message: "not on WhatsApp" } },
    );
    const before = (await env.DB.prepare("SELECT max(id) - 1 AS id FROM ledger_log").first<{ id: number }>())?.id ?? 0;
    const page = await readLog(db(), before, 10);
    expect(page.transitions.map((t) => [t.messageId, t.from, t.to, t.error])).toEqual([
      [ids[0], "queued", "failed", { code: 131026, title: "Undeliverable", message: "not on WhatsApp" }],
    ]);
    expect(page.transitions[0]).toMatchObject({ projectId, campaignId, runId: null });
  });
  it("reads a log row written before entries carried their message's project, from the message", async () => {
    const campaignId = newCampaignId();
    const { projectId, ids } = await queued(1, campaignId);
    const before = (await env.DB.prepare("SELECT max(id) AS id FROM ledger_log").first<{ id: number }>())?.id ?? 0;
    const gone = "msg_gone_000000000000000000";
    await env.DB.prepare("INSERT INTO ledger_log (entries) VALUES (?)")
      .bind(
        JSON.stringify([
          [ids[0], "queued", "sent"],
          [gone, "queued", "sent"],
        ]),
      )
      .run();
    const page = await readLog(db(), before, 10);
    // The message that is gone (deleted with its project) is dropped, as before.
    expect(page.transitions.map((t) => [t.messageId, t.projectId, t.campaignId, t.from, t.to])).toEqual([
      [ids[0], projectId, campaignId, "queued", "sent"],
    ]);
  });
});

describe("messages recorded without their history", () => {
  it("counts a status of a message written straight into D1 as coming from sending", async () => {
    const campaignId = newCampaignId();
    const p = await newProject();
    const id = `msg_nohistory_${crypto.randomUUID().replaceAll("-", "")}`;
    await env.DB.prepare(
      "INSERT INTO messages (id, project_id, campaign_id, number, status, created_at, updated_at) VALUES (?, ?, ?, '+919800000001', 'sending', ?, ?)",
    )
      .bind(id, p.id, campaignId, Date.now(), Date.now())
      .run();
    await sent(p.id, id, "delivered");
    await outbox(env).drain();
    expect((await read(campaignId)).total).toEqual(stats({ sent: 1, delivered: 1 }));
  });
});

describe("cancelling a run's queued messages", () => {
  it("skips them and logs them in one batch: a failing log insert leaves them queued", async () => {
    const campaignId = newCampaignId();
    const { ids } = await queued(3, campaignId, "run_cancel_atomic");
    const fault = failD1(env.DB, /insert into "ledger_log"[\s\S]*json_array\(m\.id/i, 1);
    await expect(skipCancelled(db(), { runId: "run_cancel_atomic", limit: 10 })).rejects.toThrow();
    expect(fault.hits).toBe(1);
    for (const id of ids) expect((await messageRow(id))?.status).toBe("queued");
    const transitions = await skipCancelled(db(), { runId: "run_cancel_atomic", limit: 10 });
    expect(transitions).toHaveLength(3);
    for (const id of ids) expect(await historyStatuses(id)).toEqual(["queued", "skipped"]);
    await outbox(env).drain();
    expect((await read(campaignId)).total).toEqual(stats({ queued: 3, skipped: 3 }));
  });
});
