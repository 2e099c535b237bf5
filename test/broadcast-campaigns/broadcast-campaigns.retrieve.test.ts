import { env, exports } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { campaignStats } from "../../src/features/stats/record";
import { RUN_STATUSES } from "../../src/platform/db/schema";
import { call, expectError, newProject, type Project } from "../helpers";
import { createOk, minimal } from "../templates/templates.helpers";
import { createCampaignOk, insertRun } from "./broadcast.helpers";

const LIST = "/v1/retrieve/campaigns";

let p: Project;
beforeEach(async () => {
  p = await newProject("retrieve campaigns");
});

const titles = (body: { campaigns: { title: string }[] }) => body.campaigns.map((c) => c.title);

describe("GET and POST /v1/retrieve/campaigns", () => {
  it("lists the project's broadcast campaigns with runs and results from the statistics object", async () => {
    const { campaign } = await createCampaignOk(p.manager, { title: "Results", message: "Hello there." });
    await insertRun(p.id, campaign.campaignId, `${campaign.campaignId}_a`, "completed", 1000);
    await insertRun(p.id, campaign.campaignId, `${campaign.campaignId}_b`, "sending", 2000);
    await campaignStats(env, campaign.campaignId).addMany([
      { runId: `${campaign.campaignId}_a`, deltas: { queued: 4, sent: 4, delivered: 3, read: 1, skipped: 1 } },
      { runId: `${campaign.campaignId}_b`, deltas: { queued: 2, sent: 1, sendErrors: 1 } },
    ]);
    const result = await call("GET", LIST, { key: p.manager });
    expect(result.status).toBe(200);
    expect(result.body.status).toBe("success");
    expect(result.body.nextCursor).toBeNull();
    const [listed, ...others] = result.body.campaigns;
    expect(others).toEqual([]);
    expect(listed).toMatchObject({
      campaignId: campaign.campaignId,
      title: "Results",
      whatsAppTemplatesStatus: "APPROVED",
      active: true,
      results: {
        Queued: 6,
        Sent: 5,
        Delivered: 3,
        Read: 1,
        SendErrors: 1,
        DeliveryErrors: 0,
        NumbersNotOnWhatsApp: 0,
        MarketingLimited: 0,
        MarketingExperiment: 0,
        Skipped: 1,
        ReadRate: 0.3333,
        DeliveryRate: 0.6,
      },
      totalSent: 5,
      totalDelivered: 3,
      totalRead: 1,
    });
    expect(
      listed.runs.map((r: { runId: string; status: string; results: { Sent: number } }) => [
        r.runId,
        r.status,
        r.results.Sent,
      ]),
    ).toEqual([
      [`${campaign.campaignId}_a`, "completed", 4],
      [`${campaign.campaignId}_b`, "sending", 1],
    ]);
  });

  it("filters on active: a run that is scheduled, waiting_template, fanning_out, sending or paused", async () => {
    for (const status of RUN_STATUSES) {
      const { campaign } = await createCampaignOk(p.manager, { title: status, message: "Hello there." });
      await insertRun(p.id, campaign.campaignId, `${campaign.campaignId}_${status}`, status);
    }
    const { campaign: twice } = await createCampaignOk(p.manager, { title: "completed, then sending", message: "Hi." });
    await insertRun(p.id, twice.campaignId, `${twice.campaignId}_1`, "completed", 1);
    await insertRun(p.id, twice.campaignId, `${twice.campaignId}_2`, "sending", 2);
    await createCampaignOk(p.manager, { title: "never run", message: "Hi." });

    const active = ["scheduled", "waiting_template", "fanning_out", "sending", "paused", "completed, then sending"];
    const inactive = ["completed", "cancelled", "failed", "never run"];
    const ask = async (method: string, path: string, body?: unknown) => {
      const result = await call(method, path, { key: p.manager, body });
      expect(result.status, JSON.stringify(result.body)).toBe(200);
      return result.body;
    };
    expect(titles(await ask("GET", `${LIST}?active=true`))).toEqual(active);
    expect(titles(await ask("GET", `${LIST}?active=false`))).toEqual(inactive);
    expect(titles(await ask("POST", LIST, { active: true }))).toEqual(active);
    expect(titles(await ask("POST", LIST, { active: "false" }))).toEqual(inactive);
    expect((await ask("GET", LIST)).campaigns).toHaveLength(10);
    for (const c of (await ask("GET", `${LIST}?active=true`)).campaigns) expect(c.active).toBe(true);
  });

  it("accepts a POST with no body at all, or with a JSON content type and an empty body (the document's curl)", async () => {
    await createCampaignOk(p.manager, { title: "One", message: "Hi." });
    const bare = await call("POST", LIST, { key: p.manager });
    expect(bare.status).toBe(200);
    expect(titles(bare.body)).toEqual(["One"]);
    const empty = await exports.default.fetch(
      new Request(`https://api.test${LIST}`, {
        method: "POST",
        headers: { authorization: p.manager, "content-type": "application/json" },
        body: "",
      }),
    );
    expect(empty.status).toBe(200);
    expect(titles((await empty.json()) as { campaigns: { title: string }[] })).toEqual(["One"]);
  });

  it("pages with limit and cursor, oldest first", async () => {
    for (const title of ["A", "B", "C"]) await createCampaignOk(p.manager, { title, message: "Hi." });
    const first = await call("GET", `${LIST}?limit=2`, { key: p.manager });
    expect(titles(first.body)).toEqual(["A", "B"]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await call("POST", LIST, { key: p.manager, body: { limit: 2, cursor: first.body.nextCursor } });
    expect(titles(second.body)).toEqual(["C"]);
    expect(second.body.nextCursor).toBeNull();
  });

  it("lists neither another project's campaigns nor API campaigns", async () => {
    const other = await newProject("other");
    await createCampaignOk(other.manager, { title: "Theirs", message: "Hi." });
    const template = await createOk(p.manager, minimal());
    const api = await call("POST", "/v1/api-campaigns", {
      key: p.manager,
      body: { name: "api", templateId: template.id },
    });
    expect(api.status).toBe(201);
    const result = await call("GET", LIST, { key: p.manager });
    expect(result.body.campaigns).toEqual([]);
  });

  it("400s bad parameters, naming them", async () => {
    expectError(await call("GET", `${LIST}?active=yes`, { key: p.manager }), 400, "validation_failed", ["active"]);
    expectError(await call("GET", `${LIST}?limit=101`, { key: p.manager }), 400, "validation_failed", ["limit"]);
    expectError(await call("GET", `${LIST}?cursor=nope`, { key: p.manager }), 400, "validation_failed", ["cursor"]);
    expectError(await call("POST", LIST, { key: p.manager, body: { active: 1 } }), 400, "validation_failed", [
      "active",
    ]);
  });

  it("401s without a key and 403s a sender key", async () => {
    expectError(await call("GET", LIST), 401, "unauthorized");
    expectError(await call("GET", LIST, { key: p.sender }), 403, "forbidden");
    expectError(await call("POST", LIST, { key: p.sender, body: {} }), 403, "forbidden");
  });
});
