import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { campaignStats } from "../../src/features/stats/record";
import { insertCampaignRow } from "../api-campaigns/api-campaigns.helpers";
import { call, expectError, newProject } from "../helpers";
import { createCampaignOk, insertRun } from "./broadcast.helpers";

const one = (id: string) => `/v1/broadcast-campaigns/${id}`;

describe("GET /v1/broadcast-campaigns/{campaignId}", () => {
  it("answers one campaign exactly as the list shows it, runs and results included", async () => {
    const p = await newProject("one campaign");
    const { campaign } = await createCampaignOk(p.manager, { title: "Just one", message: "Hello there." });
    await createCampaignOk(p.manager, { title: "Another", message: "Hi." });
    await insertRun(p.id, campaign.campaignId, `${campaign.campaignId}_a`, "completed", 1000);
    await campaignStats(env, campaign.campaignId).addMany([
      { runId: `${campaign.campaignId}_a`, deltas: { queued: 3, sent: 3, delivered: 2, read: 1 } },
    ]);
    const result = await call("GET", one(campaign.campaignId), { key: p.manager });
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    const listed = await call("GET", "/v1/retrieve/campaigns", { key: p.manager });
    const same = listed.body.campaigns.find((c: { campaignId: string }) => c.campaignId === campaign.campaignId);
    expect(result.body).toEqual(same);
    expect(result.body).toMatchObject({ title: "Just one", results: { Queued: 3, Sent: 3, Delivered: 2, Read: 1 } });
  });

  it("404s another project's campaign, an API campaign and a missing one; 400s an over-long id", async () => {
    const owner = await newProject();
    const other = await newProject();
    const { campaign } = await createCampaignOk(owner.manager, { title: "Mine", message: "Hello." });
    expectError(await call("GET", one(campaign.campaignId), { key: other.manager }), 404, "not_found");
    expectError(await call("GET", one("cmp_missing"), { key: owner.manager }), 404, "not_found");
    const apiId = `cmp_api_${crypto.randomUUID().slice(0, 8)}`;
    await insertCampaignRow({ id: apiId, projectId: owner.id, kind: "api", name: "api one", templateId: null });
    expectError(await call("GET", one(apiId), { key: owner.manager }), 404, "not_found");
    expectError(await call("GET", one("x".repeat(65)), { key: owner.manager }), 400, "validation_failed", [
      "campaignId",
    ]);
  });

  it("is a manager's route: a sender key gets 403, no key 401", async () => {
    const p = await newProject();
    const { campaign } = await createCampaignOk(p.manager, { title: "Roles", message: "Hello." });
    expectError(await call("GET", one(campaign.campaignId), { key: p.sender }), 403, "forbidden");
    expectError(await call("GET", one(campaign.campaignId)), 401, "unauthorized");
  });
});
