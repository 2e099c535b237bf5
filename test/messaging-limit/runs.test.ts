import { describe, expect, it } from "vitest";
import { call, expectError } from "../helpers";
import { eventually } from "../messages/messages.helpers";
import { clubCampaign, fireSchedule, getRun, ok, runCampaign, runMessages, runReaches } from "../runs/runs.helpers";
import { receivedSends } from "../standin/standin.helpers";
import { seedSent, setTier } from "./messaging-limit.helpers";

// A run must fit in what is left of the portfolio's messaging limit (unique recipients per moving
// 24 hours): it says so before it starts, and waits, is refused or sends anyway as `whenOverLimit`
// says. Broadcast runs on the Graph API stand-in; the window's earlier sends are written into D1.

const MINUTE = 60_000;

/** A club of four on a TIER_250 portfolio that has 248 recipients in its window: 2 of the 4 fit. */
async function nearlyFull(first: number) {
  const setUp = await clubCampaign(true, 4, first);
  await setTier(setUp.p.id, "TIER_250");
  await seedSent(setUp.p.id, 248, { first: 5000 + first });
  return setUp;
}

const CHECK = { tier: "TIER_250", limit: 250, used: 248, remaining: 2, recipients: 4, fit: 2, fits: false };

describe("runs and the messaging limit", { timeout: 90_000 }, () => {
  it("waits, saying how many fit, and starts once they do", async () => {
    const { p, c, account, members } = await nearlyFull(7100);
    const before = Date.now();
    const body = await ok(runCampaign(p.manager, { campaignId: c.campaignId, audiences: ["club"] }), 202);
    expect(body.messagingLimit).toEqual(CHECK);
    expect(body.run).toMatchObject({
      status: "scheduled",
      statusReason:
        "waiting for the messaging limit: 2 of its 4 recipients fit in what is left of the messaging limit (2 of 250 unique recipients per 24 hours, TIER_250)",
    });
    const at = Date.parse(body.run.timeToRun);
    expect(at).toBeGreaterThanOrEqual(before + 15 * MINUTE);
    expect(at).toBeLessThan(Date.now() + 16 * MINUTE);
    expect(await runMessages(body.run.runId)).toEqual([]);

    // Still full when it looks again: it waits 15 minutes more, nothing sent.
    await fireSchedule(c.campaignId);
    const again = await eventually(
      () => getRun(p.manager, body.run.runId),
      (r) => Date.parse(r.body.run.timeToRun) > at,
    );
    expect(again.body.run.status).toBe("scheduled");
    expect(await runMessages(body.run.runId)).toEqual([]);

    // Meta raises the limit: the next look starts it, and everyone gets the message once.
    await setTier(p.id, "TIER_2K");
    await fireSchedule(c.campaignId);
    await runReaches(p.manager, body.run.runId, ["completed"]);
    const sent = (await receivedSends(account))
      .filter((s) => s.accepted)
      .map((s) => `+${(s.body as { to: string }).to}`);
    expect(sent.sort()).toEqual([...members].sort());
  });

  it("is refused with 409 over_messaging_limit under `refuse`, and nothing is written", async () => {
    const { p, c } = await nearlyFull(7200);
    const refused = await runCampaign(p.manager, {
      campaignId: c.campaignId,
      audiences: ["club"],
      whenOverLimit: "refuse",
    });
    expectError(refused, 409, "over_messaging_limit", ["whenOverLimit"]);
    expect(refused.body.error.message).toBe(
      "2 of its 4 recipients fit in what is left of the messaging limit (2 of 250 unique recipients per 24 hours, TIER_250)",
    );
    expect((await ok(call("GET", `/v1/runs?campaignId=${c.campaignId}`, { key: p.manager }), 200)).runs).toEqual([]);
  });

  it("sends anyway under `send`, still saying what fits", async () => {
    const { p, c } = await nearlyFull(7300);
    const body = await ok(
      runCampaign(p.manager, { campaignId: c.campaignId, audiences: ["club"], whenOverLimit: "send" }),
      202,
    );
    expect(body.messagingLimit).toEqual(CHECK);
    expect(body.run.status).toBe("fanning_out");
    await runReaches(p.manager, body.run.runId, ["completed"]);
  });

  it("refuses a run larger than the whole limit even when it would wait", async () => {
    const { p, c } = await clubCampaign(true, 4, 7400);
    await setTier(p.id, "TIER_3");
    const refused = await runCampaign(p.manager, { campaignId: c.campaignId, audiences: ["club"] });
    expectError(refused, 409, "over_messaging_limit", ["whenOverLimit"]);
    expect(refused.body.error.message).toContain("its 4 recipients are more than the whole messaging limit (3 unique");
  });

  it("fails a scheduled run under `refuse` when it does not fit at its time", async () => {
    const { p, c } = await nearlyFull(7500);
    const body = await ok(
      runCampaign(p.manager, {
        campaignId: c.campaignId,
        audiences: ["club"],
        timeToRun: new Date(Date.now() + 60 * MINUTE).toISOString(),
        whenOverLimit: "refuse",
      }),
      202,
    );
    expect(body.messagingLimit).toBeUndefined();
    expect(body.run.status).toBe("scheduled");
    await fireSchedule(c.campaignId);
    const failed = await runReaches(p.manager, body.run.runId, ["failed"]);
    expect(failed.statusReason).toBe(CHECK_REASON);
    expect(await runMessages(body.run.runId)).toEqual([]);
  });

  it("a dry run says how many of those it would send to fit", async () => {
    const { p, c } = await nearlyFull(7600);
    const body = await ok(
      call("POST", "/v1/run/campaign", {
        key: p.manager,
        body: { campaignId: c.campaignId, audiences: ["club"], dryRun: true },
      }),
      200,
    );
    expect(body.dryRun.messagingLimit).toEqual(CHECK);
  });

  it("says nothing of the limit when the portfolio has none, and checks a bad policy", async () => {
    const { p, c } = await clubCampaign(true, 2, 7700);
    const body = await ok(runCampaign(p.manager, { campaignId: c.campaignId, audiences: ["club"] }), 202);
    expect(body.messagingLimit).toBeUndefined();
    expect(body.run.status).toBe("fanning_out");
    expectError(
      await runCampaign(p.manager, { campaignId: c.campaignId, audiences: ["club"], whenOverLimit: "later" }),
      400,
      "validation_failed",
      ["whenOverLimit"],
    );
  });
});

const CHECK_REASON =
  "2 of its 4 recipients fit in what is left of the messaging limit (2 of 250 unique recipients per 24 hours, TIER_250)";
