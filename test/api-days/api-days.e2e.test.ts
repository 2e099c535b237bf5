import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { apiDayMessageId, DAY_TTL_MS } from "../../src/features/api-days/message-ids";
import { recordApiDays } from "../../src/features/api-days/record";
import { sweepApiDays } from "../../src/features/api-days/sweep";
import { type RunLedger, runLedger } from "../../src/features/run-ledger";
import { parseLedgerMessageId } from "../../src/platform/ids";
import { base, send, setup } from "../api-campaigns/api-send.helpers";
import { archiveAll, manifests } from "../archive/archive.helpers";
import { apiJob, deliverWebhooks, metaCampaign, runQueue } from "../delivery/pipeline.helpers";
import { guardObjectSql } from "../do-sql-limits";
import { call, db } from "../helpers";
import { eventually, getMessage, historyStatuses, messageRow } from "../messages/messages.helpers";
import { clearErrors, injectError, receivedSends, seedTemplate } from "../standin/standin.helpers";

// API campaigns whose project keeps their messages in objects, one per campaign and day
// (src/features/api-days): through the real Worker, queues and sends consumer, with the sandbox
// or the stand-in Graph API as Meta. Each send reaches its person once, whatever the queue does.

const SENDS = "wa-campaigns-sends";

async function keepApiDays(projectId: string, where: "object" | "d1" = "object") {
  await env.DB.prepare("UPDATE projects SET api_messages = ? WHERE id = ?").bind(where, projectId).run();
}

/** A stand-in project keeping API days in objects, and a job for one of its campaign's day slots. */
async function dayCampaign(throughput = 80) {
  const c = await metaCampaign(throughput);
  await keepApiDays(c.p.id);
  const job = async (number = "+917428526285") => {
    const messageId = await apiDayMessageId(env, db(), c.p.id, c.campaignId, "d1");
    if (!messageId) throw new Error("the project does not keep API days");
    return { ...apiJob(c.p.id, c.campaignId, c.templateId, number), messageId };
  };
  return { ...c, job };
}

const toOf = (s: { body: unknown }) => `+${(s.body as { to: string }).to}`;

/** The numbers the stand-in accepted a send to, as often as it did. */
const acceptedTo = async (account: Parameters<typeof receivedSends>[0]) =>
  (await receivedSends(account)).filter((s) => s.accepted).map(toOf);

describe("API sends kept in their campaign's day", { timeout: 60_000 }, () => {
  it("answers an id of the day, sends it, and reads it back as a D1 message reads", async () => {
    const kept = await setup();
    await keepApiDays(kept.id);
    const twin = await setup();
    await keepApiDays(twin.id, "d1");
    const [inDay, inD1] = await Promise.all([send(base(kept)), send(base(twin))]);
    expect(inDay.status, JSON.stringify(inDay.body)).toBe(200);
    expect(inDay.body.messageId).toMatch(/^msg_r[0-9]+\.[0-9a-z]{8}$/);
    expect(inD1.body.messageId).not.toMatch(/^msg_r/);
    const { messageId: _a, submitted_message_id: _b, ...answer } = inDay.body;
    const { messageId: _c, submitted_message_id: _d, ...d1Answer } = inD1.body;
    expect(answer).toEqual(d1Answer);

    const readOf = (key: string, id: string) =>
      eventually(
        () => getMessage(key, id),
        (m) => m.body.status === "read",
      );
    const [day, d1] = await Promise.all([
      readOf(kept.sender, inDay.body.messageId),
      readOf(twin.sender, inD1.body.messageId),
    ]);
    const shape = (m: Record<string, unknown>) => ({
      ...m,
      id: "id",
      projectId: "project",
      campaignId: "campaign",
      templateId: "template",
      wamid: "wamid",
      createdAt: 0,
      updatedAt: 0,
      claimedAt: 0,
      sentAt: 0,
      deliveredAt: 0,
      readAt: 0,
      history: (m.history as { status: string }[]).map((h) => h.status),
    });
    expect(shape(day?.body)).toEqual(shape(d1?.body));
    expect(day?.body).toMatchObject({ runId: null, templateId: kept.templateId, number: "+917428526285" });
    expect(day?.body.history.map((h: { status: string }) => h.status)).toEqual(
      await historyStatuses(inD1.body.messageId),
    );
    // Nothing of it in D1's messages table.
    expect(await messageRow(inDay.body.messageId)).toBeNull();
    // The campaign's statistics count it as the D1 twin's count theirs.
    const stats = async (s: typeof kept, campaignName: string) => {
      const campaigns = await call("GET", "/v1/api-campaigns", { key: s.manager });
      const id = (campaigns.body.data as { id: string; name: string }[]).find((c) => c.name === campaignName)?.id;
      return eventually(
        () => call("GET", `/v1/campaigns/${id}/stats`, { key: s.manager }),
        (r) => r.body.total?.read === 1,
      );
    };
    const [dayStats, d1Stats] = await Promise.all([stats(kept, kept.campaignName), stats(twin, twin.campaignName)]);
    expect({ ...dayStats.body, campaignId: "c" }).toEqual({ ...d1Stats.body, campaignId: "c" });
    // Billing and the overview count it where it is, as they count the twin's in D1.
    const billing = async (s: typeof kept, id: string) =>
      (await call("GET", `/v1/campaigns/${id}/billing`, { key: s.manager })).body.billing;
    expect(await billing(kept, dayStats.body.campaignId)).toEqual(await billing(twin, d1Stats.body.campaignId));
    const overview = async (s: typeof kept) => {
      const { since: _, ...today } = (await call("GET", "/v1/project/overview", { key: s.manager })).body.today;
      return today;
    };
    expect(await overview(kept)).toEqual(await overview(twin));
  });

  it("fixes a slot of the day under an Idempotency-Key: the retry answers it, and one message goes", async () => {
    const s = await setup();
    await keepApiDays(s.id);
    const headers = { "idempotency-key": `day-${s.id}` };
    const [first, again] = [await send(base(s), headers), await send(base(s), headers)];
    expect(first.body.messageId).toMatch(/^msg_r/);
    expect(again.body.messageId).toBe(first.body.messageId);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    await eventually(
      () => getMessage(s.sender, first.body.messageId),
      (m) => m.body.status === "read",
    );
  });

  it("draws ids from blocks of the day, a new day's ledger at midnight UTC, and none for a project kept in D1", async () => {
    const s = await setup();
    await keepApiDays(s.id);
    const campaigns = await call("GET", "/v1/api-campaigns", { key: s.manager });
    const campaignId = campaigns.body.data[0].id as string;
    const lastMinute = Math.floor(Date.now() / 86_400_000) * 86_400_000 + 86_400_000 - 60_000;
    const draw = (at: number) => apiDayMessageId(env, db(), s.id, campaignId, "d1", at);
    const today = await Promise.all(Array.from({ length: 70 }, () => draw(lastMinute)));
    const named = today.map((id) => parseLedgerMessageId(id ?? ""));
    expect(new Set(named.map((n) => n?.runRef)).size).toBe(1);
    expect(new Set(named.map((n) => n?.slot)).size).toBe(70);
    const tomorrow = parseLedgerMessageId((await draw(lastMinute + 120_000)) ?? "");
    expect(tomorrow?.runRef).not.toBe(named[0]?.runRef);
    expect(tomorrow?.slot).toBe(1);
    const days = await env.DB.prepare("SELECT api_day FROM runs WHERE campaign_id = ? ORDER BY api_day")
      .bind(campaignId)
      .all<{ api_day: number }>();
    expect(days.results.map((d) => d.api_day)).toEqual([
      Math.floor(lastMinute / 86_400_000),
      Math.floor(lastMinute / 86_400_000) + 1,
    ]);
    // The project's own choice comes first, and is read again after DAY_TTL_MS.
    await keepApiDays(s.id, "d1");
    expect(await draw(lastMinute + 120_000 + DAY_TTL_MS + 1)).toBeNull();
  });

  it("draws later ids from the blocks a burst reserved, so a burst costs the day's object no block twice", async () => {
    const s = await setup();
    await keepApiDays(s.id);
    const campaigns = await call("GET", "/v1/api-campaigns", { key: s.manager });
    const campaignId = campaigns.body.data[0].id as string;
    const at = Date.now();
    const draw = () => apiDayMessageId(env, db(), s.id, campaignId, "d1", at);
    // 40 requests at once each find no block with slots left, and each reserves one.
    const burst = await Promise.all(Array.from({ length: 40 }, draw));
    const ref = parseLedgerMessageId(burst[0] ?? "")?.runRef ?? "";
    const nextSlot = () =>
      runInDurableObject(
        runLedger(env, ref),
        (_: RunLedger, state) => state.storage.sql.exec<{ n: number }>("SELECT next_slot AS n FROM meta").one().n,
      );
    const reserved = (await nextSlot()) - 1;
    expect(reserved).toBeGreaterThanOrEqual(40);
    const after: (string | null)[] = [];
    for (let i = 0; i < reserved - 40; i++) after.push(await draw());
    // Every slot reserved is used before another block is taken.
    expect(await nextSlot()).toBe(reserved + 1);
    const slots = [...burst, ...after].map((id) => parseLedgerMessageId(id ?? "")?.slot);
    expect(new Set(slots).size).toBe(reserved);
  });

  it("records a batch of large sends in calls each under the object's value limit, and claims each once", async () => {
    await guardObjectSql(runLedger(env, "9999999"));
    const c = await dayCampaign();
    const jobs = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const number = `+91742850${String(i).padStart(4, "0")}`;
        const job = await c.job(number);
        // 25 values of 1,000 characters each, the recipient's own: 2.5 MB for the batch in one value.
        const body = Array.from({ length: 25 }, (_, v) => `${i}.${v}.`.padEnd(1_000, "x"));
        return { ...job, payload: { ...job.payload, body } };
      }),
    );
    const claims = await recordApiDays(env, db(), jobs);
    expect(claims.size).toBe(100);
    const last = jobs.at(-1);
    const named = parseLedgerMessageId(last?.messageId ?? "");
    const stored = await runLedger(env, named?.runRef ?? "").payload(c.p.id, named?.slot ?? 0);
    expect(JSON.parse(stored?.payload ?? "{}").body).toEqual(last?.payload.body);
  });

  it("keeps a send in D1 when the day's object cannot be reached, rather than refusing it", async () => {
    const s = await setup();
    await keepApiDays(s.id);
    const getByName = vi.spyOn(env.RUN_LEDGER, "getByName").mockImplementation(() => {
      throw new Error("injected: the day's object is unreachable");
    });
    let accepted: Awaited<ReturnType<typeof send>>;
    try {
      accepted = await send(base(s));
    } finally {
      getByName.mockRestore();
    }
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    expect(accepted.body.messageId).not.toMatch(/^msg_r/);
    await eventually(
      () => getMessage(s.sender, accepted.body.messageId),
      (m) => m.body.status === "read",
    );
    expect(await messageRow(accepted.body.messageId)).toMatchObject({ status: "read" });
  });

  it("sends each of many sends once, with every job delivered twice to invocations running at once", async () => {
    const c = await dayCampaign(1000);
    const jobs = await Promise.all(
      Array.from({ length: 60 }, (_, i) => c.job(`+9174285${String(i).padStart(5, "0")}`)),
    );
    expect(new Set(jobs.map((j) => j.messageId)).size).toBe(60);
    // 30 invocations at once, each a batch of four jobs: every job twice, in other batches.
    const doubled = [...jobs, ...[...jobs].reverse()];
    const batches = Array.from({ length: 30 }, (_, i) => doubled.slice(i * 4, i * 4 + 4));
    const results = await Promise.all(batches.map((b) => runQueue(SENDS, b)));
    expect(results.flatMap((r) => r.retryMessages)).toEqual([]);
    // What the number's pace parked is released by its governor, through the queue, a little later.
    const ref = parseLedgerMessageId(jobs[0]?.messageId ?? "")?.runRef as string;
    await eventually(
      () => runLedger(env, ref).counts(),
      (counts) => counts.queued === 0,
    );
    const to = await acceptedTo(c.account);
    expect(to.length).toBe(60);
    expect(new Set(to).size).toBe(60);
    expect(await runLedger(env, ref).counts()).toMatchObject({ queued: 0, sent: 60 });
  });

  it("retries a retryable failure from the queue: claimed again, sent once, its attempts counted", async () => {
    const c = await dayCampaign();
    await injectError(c.account, { code: 131000, mode: "next", count: 1 });
    const job = await c.job();
    const first = await runQueue(SENDS, [job]);
    expect(first.retryMessages).toEqual([{ msgId: "m0" }]);
    const queued = await getMessage(c.p.manager, job.messageId);
    expect(queued.body).toMatchObject({ status: "queued", attempts: 1, error: { code: 131000 } });
    await runQueue(SENDS, [job], 2);
    await runQueue(SENDS, [job], 3);
    expect(await acceptedTo(c.account)).toEqual(["+917428526285"]);
    expect((await getMessage(c.p.manager, job.messageId)).body).toMatchObject({ status: "sent", attempts: 2 });
  });

  it("holds a paused campaign's sends in the day and sends them once on resume", async () => {
    const c = await dayCampaign();
    await injectError(c.account, { code: 190, mode: "always" });
    const first = await c.job("+917428526285");
    const second = await c.job("+917428520001");
    expect((await runQueue(SENDS, [first])).explicitAcks).toEqual(["m0"]);
    const campaign = await call("GET", `/v1/api-campaigns/${c.campaignId}`, { key: c.p.manager });
    expect(campaign.body).toMatchObject({ status: "paused", pausedReason: expect.stringContaining("190") });
    // Arriving while paused: recorded and held, not sent; a redelivery sends nothing either.
    await runQueue(SENDS, [second]);
    await runQueue(SENDS, [second], 2);
    for (const id of [first.messageId, second.messageId])
      expect((await getMessage(c.p.manager, id)).body.status).toBe("queued");
    expect(await receivedSends(c.account)).toHaveLength(1);

    await clearErrors(c.account);
    expect((await call("POST", `/v1/api-campaigns/${c.campaignId}/resume`, { key: c.p.manager })).status).toBe(200);
    for (const id of [first.messageId, second.messageId]) {
      await eventually(
        () => getMessage(c.p.manager, id),
        (m) => m.body.status === "sent" || m.body.status === "delivered" || m.body.status === "read",
      );
    }
    expect((await acceptedTo(c.account)).sort()).toEqual(["+917428520001", "+917428526285"]);
  });

  it("holds a disabled template's send in its day (132016), and sends it once reinstated", async () => {
    const c = await dayCampaign();
    await seedTemplate(c.account, { name: "order_update", category: "UTILITY", status: "DISABLED" });
    const job = await c.job();
    expect((await runQueue(SENDS, [job])).explicitAcks).toEqual(["m0"]);
    expect((await getMessage(c.p.manager, job.messageId)).body).toMatchObject({
      status: "queued",
      error: { code: 132016 },
    });
    expect((await call("GET", `/v1/api-campaigns/${c.campaignId}`, { key: c.p.manager })).body).toMatchObject({
      status: "paused",
    });
    // Held: a redelivery of the queue message sends nothing.
    await runQueue(SENDS, [job], 2);
    expect(await acceptedTo(c.account)).toEqual([]);

    await seedTemplate(c.account, { name: "order_update", category: "UTILITY", status: "APPROVED" });
    await deliverWebhooks(c.account);
    expect((await call("GET", `/v1/api-campaigns/${c.campaignId}`, { key: c.p.manager })).body).toMatchObject({
      status: "live",
    });
    // The day's row is no run to hold: it stays open while the campaign waits.
    const ref = parseLedgerMessageId(job.messageId)?.runRef as string;
    expect(await env.DB.prepare("SELECT status FROM runs WHERE ref = ?").bind(ref).first()).toEqual({
      status: "fanning_out",
    });
    await eventually(
      () => acceptedTo(c.account),
      (to) => to.length === 1,
    );
    await eventually(
      () => getMessage(c.p.manager, job.messageId),
      (m) => ["sent", "delivered", "read"].includes(m.body.status),
    );
    expect(await acceptedTo(c.account)).toEqual(["+917428526285"]);
  });

  it("skips a marketing send to a contact who opted out since the request, as the D1 path does", async () => {
    const c = await dayCampaign();
    await env.DB.prepare("UPDATE campaigns SET template_id = template_id WHERE id = ?").bind(c.campaignId).run();
    const job = { ...(await c.job("+917428529999")), category: "MARKETING" as const };
    await env.DB.prepare(
      "INSERT INTO contacts (project_id, number, name, opted_out, created_at, updated_at) VALUES (?, ?, 'Ravi', 1, 0, 0)",
    )
      .bind(c.p.id, "+917428529999")
      .run();
    expect((await runQueue(SENDS, [job])).explicitAcks).toEqual(["m0"]);
    expect((await getMessage(c.p.manager, job.messageId)).body).toMatchObject({
      status: "skipped",
      skipReason: "opted_out",
    });
    expect(await receivedSends(c.account)).toEqual([]);
  });

  it("records a dead-lettered send as failed in its day, never recorded before or sending", async () => {
    const c = await dayCampaign();
    const neverRecorded = await c.job("+917428520021");
    const sending = await c.job("+917428520022");
    const named = parseLedgerMessageId(sending.messageId);
    if (!named) throw new Error("not a day's id");
    // The second was recorded and claimed when its invocation died.
    await runLedger(env, named.runRef).recordSends(
      c.p.id,
      [],
      [
        {
          slot: named.slot,
          number: "+917428520022",
          payload: JSON.stringify(sending.payload),
          base: null,
          skipReason: null,
          template: null,
        },
      ],
    );
    const result = await runQueue(`${SENDS}-dlq`, [neverRecorded, sending], 11);
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1"]);
    for (const job of [neverRecorded, sending]) {
      expect((await getMessage(c.p.manager, job.messageId)).body).toMatchObject({
        status: "failed",
        error: { title: "Dead-lettered" },
      });
      expect(await messageRow(job.messageId)).toBeNull();
    }
    expect(await receivedSends(c.account)).toEqual([]);
    expect(
      await call("GET", `/v1/contacts/${encodeURIComponent("+917428520021")}`, { key: c.p.manager }),
    ).toMatchObject({
      status: 200,
    });
  });

  it("closes a day a day after it ended, and the ledger sweep completes it", async () => {
    const c = await dayCampaign();
    const job = await c.job();
    await runQueue(SENDS, [job]);
    const ref = parseLedgerMessageId(job.messageId)?.runRef as string;
    const row = () =>
      env.DB.prepare("SELECT status, api_day, fanned_out_at FROM runs WHERE ref = ?")
        .bind(ref)
        .first<{ status: string; api_day: number; fanned_out_at: number | null }>();
    const open = await row();
    expect(open).toMatchObject({ status: "fanning_out", fanned_out_at: null });
    const now = Date.now();
    expect((await sweepApiDays(env, db(), { now, queuedBefore: now })).closed).toBe(0);
    const later = ((open?.api_day ?? 0) + 2) * 86_400_000 + 1;
    expect((await sweepApiDays(env, db(), { now: later, queuedBefore: later })).closed).toBeGreaterThanOrEqual(1);
    expect(await row()).toMatchObject({ status: "sending", fanned_out_at: later });
  });

  it("puts back on the queue what a live campaign's day holds given back, and sends it once", async () => {
    const c = await dayCampaign();
    const job = await c.job();
    // Recorded and claimed, then given back unsent, its job gone (as a parked send whose job was lost).
    await runQueue(SENDS, [job]);
    const named = parseLedgerMessageId(job.messageId);
    if (!named) throw new Error("not a day's id");
    const before = (await acceptedTo(c.account)).length;
    expect(before).toBe(1);
    const second = await c.job("+917428520002");
    await runLedger(env, named.runRef).recordSends(
      c.p.id,
      [],
      [
        {
          slot: parseLedgerMessageId(second.messageId)?.slot as number,
          number: "+917428520002",
          payload: JSON.stringify(second.payload),
          base: null,
          skipReason: null,
          template: null,
        },
      ],
    );
    await runLedger(env, named.runRef).unclaim([parseLedgerMessageId(second.messageId)?.slot as number]);
    const now = Date.now() + 1;
    const swept = await sweepApiDays(env, db(), { now, queuedBefore: now });
    expect(swept.requeued).toBeGreaterThanOrEqual(1);
    await eventually(
      () => acceptedTo(c.account),
      (to) => to.includes("+917428520002"),
    );
    expect((await acceptedTo(c.account)).filter((n) => n === "+917428520002")).toHaveLength(1);
  });

  it("archives a completed day to R2, empties its object, and still answers its messages from there", async () => {
    const s = await setup();
    await keepApiDays(s.id);
    const sent = await send(base(s));
    const id = sent.body.messageId as string;
    const read = await eventually(
      () => getMessage(s.sender, id),
      (m) => m.body.status === "read",
    );
    const ref = parseLedgerMessageId(id)?.runRef as string;
    await eventually(
      () => runLedger(env, ref).pendingLog(),
      (n) => n === 0,
    );
    // The day, closed and completed: the every-minute sweep's work, done at once here.
    await env.DB.prepare("UPDATE runs SET status = 'completed', fanned_out_at = ?1, finished_at = ?1 WHERE ref = ?2")
      .bind(Date.now() - 1, ref)
      .run();
    await archiveAll(s.id);
    const [manifest, ...more] = await manifests(s.id);
    expect(more).toEqual([]);
    expect(manifest).toMatchObject({ state: "pruned" });
    expect(await runLedger(env, ref).page(0, 10)).toEqual([]);
    const again = await getMessage(s.sender, id);
    expect({ ...again.body, history: null }).toEqual({ ...read.body, history: null });
    expect(again.body.history.map((h: { status: string }) => h.status)).toEqual(
      read.body.history.map((h: { status: string }) => h.status),
    );
  });
});
