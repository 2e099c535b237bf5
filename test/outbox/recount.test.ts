import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { applyStatus } from "../../src/features/messages/status";
import { API_RUN_ID, campaignStats } from "../../src/features/stats/record";
import { apiJob, metaCampaign, runQueue } from "../delivery/pipeline.helpers";
import { call, db } from "../helpers";

// POST /v1/admin/campaigns/{campaignId}/recount: an operator rebuilds a campaign's counters from D1.

const SENDS = "wa-campaigns-sends";

/** A live API campaign with two messages sent through the real consumer, one then delivered. */
async function campaignWithSends() {
  const setup = await metaCampaign();
  const jobs = [
    apiJob(setup.p.id, setup.campaignId, setup.templateId, "+917428520101"),
    apiJob(setup.p.id, setup.campaignId, setup.templateId, "+917428520102"),
  ];
  await runQueue(SENDS, jobs);
  await applyStatus(
    db(),
    { projectId: setup.p.id, messageId: jobs[0]?.messageId as string },
    { status: "delivered", at: Date.now() },
  );
  return setup;
}

const recount = (campaignId: string, auth: { admin?: boolean; key?: string } = { admin: true }) =>
  call("POST", `/v1/admin/campaigns/${campaignId}/recount`, auth);

describe("POST /v1/admin/campaigns/{campaignId}/recount", () => {
  it("reports no difference when the counters follow the ledger", async () => {
    const { campaignId } = await campaignWithSends();
    const response = await recount(campaignId);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      campaignId,
      through: expect.any(Number),
      after: { [API_RUN_ID]: { queued: 2, sent: 2, delivered: 1, read: 0, sendErrors: 0 } },
      differences: [],
    });
    expect(response.body.before).toEqual(response.body.after);
  });

  it("counts Meta's marketing holds (131049, 130472) in their own buckets, in the counters and from the ledger", async () => {
    const setup = await metaCampaign();
    const jobs = ["+917428520111", "+917428520112", "+917428520113"].map((n) =>
      apiJob(setup.p.id, setup.campaignId, setup.templateId, n),
    );
    await runQueue(SENDS, jobs);
    const fail = (i: number, code: number) =>
      applyStatus(
        db(),
        { projectId: setup.p.id, messageId: jobs[i]?.messageId as string },
        { status: "failed", at: Date.now(), error: { code, title: "failed", message: "" } },
      );
    await fail(0, 131049);
    await fail(1, 130472);
    await fail(2, 131000);
    const response = await recount(setup.campaignId);
    expect(response.body.differences).toEqual([]);
    expect(response.body.after[API_RUN_ID]).toMatchObject({
      sent: 3,
      marketingLimited: 1,
      marketingExperiment: 1,
      deliveryErrors: 1,
      sendErrors: 0,
    });
    const stats = await call("GET", `/v1/campaigns/${setup.campaignId}/stats`, { key: setup.p.manager });
    expect(stats.body.total).toMatchObject({ marketingLimited: 1, marketingExperiment: 1, deliveryErrors: 1 });
  });

  it("reports and repairs counters a fault moved away from the ledger", async () => {
    const { campaignId } = await campaignWithSends();
    // A fault counted three sends too many and lost the delivery.
    await campaignStats(env, campaignId).addMany([{ runId: API_RUN_ID, deltas: { sent: 3, delivered: -1 } }]);
    const response = await recount(campaignId);
    expect(response.status).toBe(200);
    expect(response.body.differences).toEqual([
      { runId: API_RUN_ID, counter: "sent", before: 5, after: 2 },
      { runId: API_RUN_ID, counter: "delivered", before: 0, after: 1 },
    ]);
    const stats = await campaignStats(env, campaignId).read();
    expect(stats.runs[API_RUN_ID]).toMatchObject({ queued: 2, sent: 2, delivered: 1 });
    // What the ledger records after the recount is counted once on top of it.
    const again = await recount(campaignId);
    expect(again.body.differences).toEqual([]);
  });

  it("answers 404 for a campaign that does not exist, and 400 for an id too long", async () => {
    const missing = await recount("cmp_does_not_exist");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("not_found");
    const long = await recount("c".repeat(65));
    expect(long.status).toBe(400);
    expect(JSON.stringify(long.body)).toContain("campaignId");
  });

  it("is for operators only: no token, or a project's own key, gets 401", async () => {
    const { p, campaignId } = await campaignWithSends();
    expect((await recount(campaignId, {})).status).toBe(401);
    expect((await recount(campaignId, { key: p.manager })).status).toBe(401);
    expect((await recount(campaignId, { key: p.sender })).status).toBe(401);
  });
});
