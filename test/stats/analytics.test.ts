import { describe, expect, it } from "vitest";
import { buttonClicks } from "../../src/features/analytics/buttons";
import { buttonPayload } from "../../src/features/broadcast-messages/payload";
import { countRepliedLive, repliedAmong } from "../../src/features/replies/replied";
import { archiveAll, count, retarget } from "../archive/archive.helpers";
import { call, db, expectError, newProject } from "../helpers";
import { expectIndexed, statementsOf } from "../query-plan";
import { analytics, repliedRun } from "./analytics.helpers";

// Replies within a day of delivery, quoted or not, and clicks per quick-reply button, per run and
// per campaign; the same answer live and archived, and the same people as a `replied` audience.

type Statement = { sql: string; params: unknown[] };

const numbersOf = (members: { members: { contacts: { number: string }[] } }) =>
  members.members.contacts.map((c) => c.number).sort();

describe("GET /v1/runs/{runId}/analytics and /v1/campaigns/{campaignId}/analytics", { timeout: 90_000 }, () => {
  it("counts replies and presses, agrees with retargeting, and answers the same once archived", async () => {
    const { p, campaignId, runId, numbers } = await repliedRun();
    const stats = (await call("GET", `/v1/campaigns/${campaignId}/stats`, { key: p.sender })).body;
    const counters = (s: { queued: number; sent: number; delivered: number; read: number }) => ({
      queued: s.queued,
      sent: s.sent,
      delivered: s.delivered,
      read: s.read,
    });
    expect(counters(stats.runs[runId])).toMatchObject({ delivered: 3, read: 2 });
    const others = [
      { index: null, text: "Maybe", payload: buttonPayload({ campaignId, index: 7 }), presses: 1, people: 1 },
      { index: null, text: "Change", payload: "change-order", presses: 1, people: 1 },
    ];
    const no = { index: 1, text: "No", payload: buttonPayload({ campaignId, index: 1 }), presses: 0, people: 0 };
    const yes = { index: 0, text: "Yes", payload: buttonPayload({ campaignId, index: 0 }) };
    const ofRun = {
      status: "success",
      runId,
      campaignId,
      analytics: {
        funnel: { ...counters(stats.runs[runId]), replied: 2 },
        replyRate: 0.6667,
        // The press from outside the run quoted nothing: the campaign's, not the run's.
        buttons: [{ ...yes, presses: 3, people: 2 }, no, ...others],
      },
    };
    const ofCampaign = {
      status: "success",
      campaignId,
      analytics: {
        funnel: { ...counters(stats.total), replied: 2 },
        replyRate: 0.6667,
        buttons: [{ ...yes, presses: 4, people: 3 }, no, ...others],
      },
    };
    const run = await analytics(p.sender, `/v1/runs/${runId}/analytics`);
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    expect(run.body).toEqual(ofRun);
    expect((await analytics(p.manager, `/v1/campaigns/${campaignId}/analytics`)).body).toEqual(ofCampaign);

    // A `replied` audience is the same people the analytics count; `read_not_replied` the rest of the readers.
    const replied = await retarget(p.manager, runId, "replied-live", "replied");
    expect(replied.made.matched).toBe(ofRun.analytics.funnel.replied);
    expect(numbersOf(replied)).toEqual([numbers.unread, numbers.readPressed].sort());
    expect(numbersOf(await retarget(p.manager, runId, "quiet-live", "read_not_replied"))).toEqual([numbers.readQuiet]);

    await archiveAll(p.id);
    expect(
      await count(
        "SELECT count(*) AS n FROM messages WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?)",
        runId,
      ),
    ).toBe(0);
    expect((await analytics(p.sender, `/v1/runs/${runId}/analytics`)).body).toEqual(ofRun);
    expect((await analytics(p.sender, `/v1/campaigns/${campaignId}/analytics`)).body).toEqual(ofCampaign);
    const archived = await retarget(p.manager, runId, "replied-archived", "replied");
    expect(archived.made.matched).toBe(2);
    expect(numbersOf(archived)).toEqual(numbersOf(replied));
  });

  it("answers 404 for another project's run or campaign, 401 without a key, 400 naming a bad id", async () => {
    const { p, campaignId, runId } = await repliedRun();
    const other = await newProject("analytics other");
    expectError(await analytics(other.manager, `/v1/runs/${runId}/analytics`), 404, "not_found");
    expectError(await analytics(other.sender, `/v1/campaigns/${campaignId}/analytics`), 404, "not_found");
    expectError(await analytics(p.manager, "/v1/runs/run_unknown/analytics"), 404, "not_found");
    expect((await analytics(undefined, `/v1/runs/${runId}/analytics`)).status).toBe(401);
    expect((await analytics(undefined, `/v1/campaigns/${campaignId}/analytics`)).status).toBe(401);
    const long = "x".repeat(65);
    expectError(await analytics(p.manager, `/v1/runs/${long}/analytics`), 400, "validation_failed", ["runId"]);
    expectError(await analytics(p.sender, `/v1/campaigns/${long}/analytics`), 400, "validation_failed", ["campaignId"]);
  });

  it("reads a run's replies and presses in one grouped statement each, seeking by index", async () => {
    const { p, campaignId, runId } = await repliedRun();
    const [replies, ...more] = await statementsOf((database) => countRepliedLive(database, p.id, { runId }));
    expect(more).toEqual([]);
    // The run's messages by its index, each one's responses by number: a person's own few.
    const plan = await expectIndexed(replies as Statement, "m", "messages_run");
    expect(
      plan.some((step) => /^SEARCH r EXISTS USING INDEX responses_number\b/.test(step)),
      plan.join("\n"),
    ).toBe(true);
    expect(await countRepliedLive(db(), p.id, { runId })).toBe(2);
    // An archived run's batch (and a retargeting batch) asks the same, by the same index.
    const batch = [{ id: "msg_x", number: "+919812342222", deliveredAt: 1, readAt: null }];
    const [among] = await statementsOf((database) => repliedAmong(database, p.id, runId, batch));
    await expectIndexed(among as Statement, "r", "responses_number");
    const [presses, ...again] = await statementsOf((database) =>
      buttonClicks(database, p.id, { id: campaignId, buttons: [] }, runId),
    );
    expect(again).toEqual([]);
    await expectIndexed(presses as Statement, "r", "responses_campaign");
  });
});
