import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { outbox } from "../../src/features/outbox";
import { campaignStats } from "../../src/features/stats/record";
import { statusWebhook } from "../../standin/graph-api/webhooks";
import { measureD1 } from "../d1-cost";
import { sendBacklog } from "../delivery/backlog.helpers";
import { runQueue } from "../delivery/pipeline.helpers";
import { createQueueBroker } from "../delivery/queue-broker";
import { historyStatuses } from "../messages/messages.helpers";
import { receivedSends } from "../standin/standin.helpers";

// The events consumer applies a whole batch's statuses together: the statements a batch costs do
// not grow with the statuses it holds, the history and counters are exactly those of applying
// them one by one, and one status that cannot be written holds back only its own payload.

const EVENTS = "wa-campaigns-events";
type Status = "sent" | "delivered" | "read";

/** A broadcast's messages sent through the real consumer, with the wamids Meta gave them. */
async function sentBacklog(n: number) {
  const backlog = await sendBacklog(n, 1000, { broadcast: true });
  await runQueue("wa-campaigns-sends", backlog.jobs);
  // On a loaded machine a window of sends can wake too late for its slots: those are parked, not
  // sent, and the number's governor releases them through the sends queue moments later. Their
  // outcomes are waited for too, and handed over, so that no straggler's statements fall into a
  // test's measurement.
  const sends = await vi.waitFor(
    async () => {
      const accepted = (await receivedSends(backlog.account)).filter((s) => s.accepted);
      expect(accepted).toHaveLength(n);
      const { sent } = (await env.DB.prepare(
        "SELECT count(*) AS sent FROM messages WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?) AND status = 'sent'",
      )
        .bind(backlog.runId)
        .first<{ sent: number }>()) ?? { sent: 0 };
      expect(sent).toBe(n);
      return accepted;
    },
    { timeout: 20_000, interval: 100 },
  );
  await outbox(env).drain();
  return { ...backlog, sends };
}

type Backlog = Awaited<ReturnType<typeof sentBacklog>>;

/** One queue body per status: a signed payload as the webhook route queues it, found by wamid. */
function events(backlog: Backlog, statuses: Status[]) {
  return backlog.sends.flatMap((send) =>
    statuses.map((status) => ({
      projectId: backlog.projectId,
      payload: statusWebhook(
        { ...backlog.account, autoApprove: true, displayPhoneNumber: "15550001111" },
        { wamid: send.wamid as string, status, recipient: (send.body as { to: string }).to, category: "utility" },
      ),
    })),
  );
}

/** How many times each status appears in the histories of the run's messages. */
async function historyOf(runId: string) {
  const { results } = await env.DB.prepare(
    "SELECT id FROM messages WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?)",
  )
    .bind(runId)
    .all<{ id: string }>();
  const counts: Record<string, number> = {};
  for (const { id } of results) {
    for (const status of await historyStatuses(id)) counts[status] = (counts[status] ?? 0) + 1;
  }
  return counts;
}

async function statusesOf(runId: string) {
  const { results } = await env.DB.prepare(
    "SELECT status, count(*) AS n FROM messages WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?) GROUP BY status",
  )
    .bind(runId)
    .all<{ status: string; n: number }>();
  return Object.fromEntries(results.map((r) => [r.status, r.n]));
}

describe("status webhooks applied in bulk by the events consumer", () => {
  it("costs the same statements for a batch of 100 statuses as for 10", async () => {
    const small = await sentBacklog(10);
    const large = await sentBacklog(100);
    const cost = async (backlog: Backlog) =>
      (await measureD1(env.DB, () => runQueue(EVENTS, events(backlog, ["delivered"])))).cost;
    const few = await cost(small);
    const many = await cost(large);
    expect(await statusesOf(large.runId as string)).toEqual({ delivered: 100 });
    expect(few.statements).toBeGreaterThan(0);
    expect(many.statements).toBe(few.statements);
    // One read (these statuses name their messages by wamid alone; by our id, from the callback
    // data, or both, it is one statement per kind present), two writes for the batch (the
    // statuses, their log row; a second wamid's record only when there is one), and the outbox's
    // read of that log row.
    expect(many.statements).toBeLessThanOrEqual(4);
  });

  it("records each step once when a batch carries a message's delivered and read, twice and out of order", async () => {
    const backlog = await sentBacklog(20);
    const bodies = events(backlog, ["read", "delivered", "read", "delivered"]);
    const result = await runQueue(EVENTS, bodies);
    expect(result.explicitAcks).toHaveLength(bodies.length);
    const runId = backlog.runId as string;
    expect(await statusesOf(runId)).toEqual({ read: 20 });
    expect(await historyOf(runId)).toMatchObject({ sending: 20, sent: 20, delivered: 20, read: 20 });
    // The same batch again (a redelivery) changes nothing.
    await runQueue(EVENTS, bodies);
    expect(await historyOf(runId)).toMatchObject({ sent: 20, delivered: 20, read: 20 });
    await outbox(env).drain();
    const counts = (await campaignStats(env, backlog.campaignId as string).read()).total;
    expect(counts).toMatchObject({ sent: 20, delivered: 20, read: 20 });
    const recount = await outbox(env).recount(backlog.campaignId as string);
    expect(recount.before.total).toEqual(recount.after.total);
  });

  it("applies the rest of a batch when one payload's status cannot be written, and retries only that payload", async () => {
    const backlog = await sentBacklog(5);
    const [first] = backlog.sends;
    if (!first) throw new Error("the backlog sent nothing");
    // The first message's row refuses every write (a trigger stands in for a write D1 rejects),
    // whichever way the batch is applied.
    const firstId = await env.DB.prepare("SELECT id FROM messages WHERE wamid = ?")
      .bind(first.wamid)
      .first<string>("id");
    await env.DB.prepare(
      `CREATE TRIGGER poison_row BEFORE UPDATE ON messages WHEN OLD.id = '${firstId}' BEGIN SELECT RAISE(ABORT, 'poisoned'); END`,
    ).run();
    const [poison] = events({ ...backlog, sends: [first] }, ["delivered"]);
    const good = events({ ...backlog, sends: backlog.sends.slice(1) }, ["delivered"]);
    const result = await runQueue(EVENTS, [poison, ...good]);
    expect(result.retryMessages.map((r) => r.msgId)).toEqual(["m0"]);
    expect(result.explicitAcks).toHaveLength(good.length);
    await env.DB.prepare("DROP TRIGGER poison_row").run();
    expect(await statusesOf(backlog.runId as string)).toEqual({ sent: 1, delivered: 4 });
  });
});

describe("status webhooks applied in bulk by concurrent invocations", () => {
  it("records every step exactly once when 8 invocations apply shuffled, repeated statuses of the same messages", async () => {
    const backlog = await sentBacklog(40);
    const bodies = events(backlog, ["sent", "delivered", "read", "delivered", "read"]);
    for (let i = bodies.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [bodies[i], bodies[j]] = [bodies[j], bodies[i]] as [(typeof bodies)[number], (typeof bodies)[number]];
    }
    // Batches of 5, so that each message's statuses land in different invocations running at once.
    const broker = createQueueBroker({ queue: EVENTS, concurrency: 8, maxBatchSize: 5 });
    broker.send(bodies);
    const report = await broker.run();
    expect(report.peakConcurrency).toBeGreaterThan(1);
    expect(report.deadLettered).toEqual([]);
    const runId = backlog.runId as string;
    expect(await statusesOf(runId)).toEqual({ read: 40 });
    // Each step at most once; a `delivered` applied after its `read` (another invocation) records nothing.
    const history = await historyOf(runId);
    expect(history).toMatchObject({ sending: 40, sent: 40, read: 40 });
    expect(history.delivered ?? 0).toBeLessThanOrEqual(40);
    await outbox(env).drain();
    const recount = await outbox(env).recount(backlog.campaignId as string);
    expect(recount.before.total).toEqual(recount.after.total);
    expect(recount.after.total).toMatchObject({ sent: 40, delivered: 40, read: 40 });
  });
});
