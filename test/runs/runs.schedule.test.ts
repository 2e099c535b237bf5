import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { CampaignStats } from "../../src/durable-objects/campaign-stats";
import { numbers } from "../audiences/audiences.helpers";
import { call } from "../helpers";
import {
  audience,
  campaign,
  control,
  fireSchedule,
  getRun,
  group,
  ok,
  runCampaign,
  runMessages,
  runReaches,
  sandboxProject,
  statsObject,
} from "./runs.helpers";

const scheduledIn = (campaignId: string) =>
  runInDurableObject(statsObject(campaignId), (instance: CampaignStats) => instance.scheduledRuns());

describe("scheduled runs", { timeout: 60_000 }, () => {
  it("is listed and cancellable before its time, and fires through the campaign object's alarm", async () => {
    const p = await sandboxProject();
    await audience(p.manager, "club", numbers(3, 101));
    await group(
      p.manager,
      "users",
      ["first_name", "code"],
      numbers(3, 101).map((number) => ({ number, first_name: "Asha", code: "X1" })),
    );
    const c = await campaign(p.manager);
    // Unix seconds, as the document's timeToRun; an hour ahead.
    const inAnHour = Math.floor(Date.now() / 1000) + 3600;
    const first = (
      await ok(runCampaign(p.manager, { campaignId: c.campaignId, audiences: ["club"], timeToRun: inAnHour }), 202)
    ).run;
    const second = (
      await ok(
        runCampaign(p.manager, {
          campaignId: c.campaignId,
          audiences: ["club"],
          timeToRun: new Date(inAnHour * 1000).toISOString(),
        }),
        202,
      )
    ).run;
    for (const run of [first, second]) {
      expect(run).toMatchObject({
        status: "scheduled",
        timeToRun: new Date(inAnHour * 1000).toISOString(),
        startedAt: null,
      });
    }
    const listed = await ok(
      call("GET", `/v1/runs?status=scheduled&campaignId=${c.campaignId}`, { key: p.manager }),
      200,
    );
    expect(listed.runs.map((r: { runId: string }) => r.runId).sort()).toEqual([first.runId, second.runId].sort());
    expect((await scheduledIn(c.campaignId)).map((s) => s.runId).sort()).toEqual([first.runId, second.runId].sort());

    const cancelled = await ok(control(p.manager, first.runId, "cancel"), 200);
    expect(cancelled.run).toMatchObject({ status: "cancelled", statusReason: "cancelled by request" });
    expect((await scheduledIn(c.campaignId)).map((s) => s.runId)).toEqual([second.runId]);

    // The hour passes: the alarm hands the due run to the jobs queue, which starts it.
    expect(await fireSchedule(c.campaignId)).toBe(true);
    expect(await scheduledIn(c.campaignId)).toEqual([]);
    const done = await runReaches(p.manager, second.runId, ["completed"]);
    expect(done.recipients).toEqual({ queued: 3, skipped: 0 });
    expect(await runMessages(first.runId)).toEqual([]);
    expect((await getRun(p.manager, first.runId)).body.run.status).toBe("cancelled");
  });

  it("starts at once when timeToRun is in the past", async () => {
    const p = await sandboxProject();
    await audience(p.manager, "club", numbers(1, 120));
    await group(p.manager, "users", ["first_name", "code"], []);
    const c = await campaign(p.manager);
    const run = (
      await ok(runCampaign(p.manager, { campaignId: c.campaignId, audiences: ["club"], timeToRun: 1_600_000_000 }), 202)
    ).run;
    expect(run.status).toBe("fanning_out");
    const done = await runReaches(p.manager, run.runId, ["completed"]);
    // No variable values: skipped with the first missing one.
    expect(done.recipients).toEqual({ queued: 0, skipped: 1 });
    expect((await runMessages(run.runId))[0]?.skip_reason).toBe("missing_variable:users.first_name");
  });

  it("starts at once when timeToRun is an ISO time long past (converted to milliseconds once, not twice)", async () => {
    const p = await sandboxProject();
    await audience(p.manager, "club", numbers(1, 121));
    await group(p.manager, "users", ["first_name", "code"], []);
    const c = await campaign(p.manager);
    const body = { campaignId: c.campaignId, audiences: ["club"], timeToRun: "1999-12-31T00:00:00.000Z" };
    const run = (await ok(runCampaign(p.manager, body), 202)).run;
    expect(run.status).toBe("fanning_out");
    await runReaches(p.manager, run.runId, ["completed"]);
  });
});
