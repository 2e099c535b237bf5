import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import Chat from "../../src/client/index";
import { linkKey, signLink } from "../../src/features/broadcast-messages/links";
import { CREATE, fieldsOf } from "../broadcast-campaigns/broadcast.helpers";
import { BASE, rejection, worker } from "../client/client.helpers";
import { metaCampaign } from "../delivery/pipeline.helpers";
import { call, expectError, MISSING_KEY, newProject } from "../helpers";
import { eventually } from "../messages/messages.helpers";
import { audience, group } from "../runs/runs.helpers";
import { BUTTONS, follow } from "./link-clicks.helpers";

// The counting routes' contract: either role, the project's own campaigns and runs only, ids
// checked, and `trackClicks` refused where there is nothing to track.

async function trackedCampaign() {
  const p = await newProject("links");
  await group(p.manager, "users", ["link"], [{ number: "+917428599001", link: "a" }]);
  await audience(p.manager, "club", ["+917428599001"]);
  const created = await call("POST", CREATE, {
    key: p.manager,
    body: { title: "Tracked", message: "Your invoice is ready.", buttons: BUTTONS, trackClicks: true },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const run = await call("POST", "/v1/run/campaign", {
    key: p.manager,
    body: { campaignId: created.body.campaign.campaignId, audiences: ["club"] },
  });
  expect(run.status, JSON.stringify(run.body)).toBe(202);
  return { p, campaignId: created.body.campaign.campaignId as string, runId: run.body.run.runId as string };
}

const zero = BUTTONS.map((b, index) => ({ index, text: b.text, url: b.url, clicks: 0, people: 0 }));

describe("link-click counts", () => {
  it("answers either role with every url button of the campaign and of the run", async () => {
    const { p, campaignId, runId } = await trackedCampaign();
    for (const key of [p.manager, p.sender]) {
      const campaign = await call("GET", `/v1/campaigns/${campaignId}/link-clicks`, { key });
      expect(campaign.status).toBe(200);
      expect(campaign.body).toEqual({ status: "success", campaignId, trackClicks: true, buttons: zero });
      const run = await call("GET", `/v1/runs/${runId}/link-clicks`, { key });
      expect(run.status).toBe(200);
      expect(run.body).toEqual({ status: "success", campaignId, runId, trackClicks: true, buttons: zero });
    }
  });

  it("are what the JS client's retrieveLinkClicks returns", async () => {
    const { p, campaignId, runId } = await trackedCampaign();
    const chat = new Chat(p.sender, { baseUrl: BASE, fetch: worker });
    expect(await chat.retrieveLinkClicks({ campaignId })).toEqual({
      status: "success",
      campaignId,
      trackClicks: true,
      buttons: zero,
    });
    const run = await chat.retrieveLinkClicks({ runId });
    expect(run.runId).toBe(runId);
    expect(run.buttons).toEqual(zero);
    expect((await rejection(chat.retrieveLinkClicks({ runId: "run_unknown" }))).status).toBe(404);
  });

  it("names a malformed id, hides another project's campaigns and runs, and wants a key", async () => {
    const { campaignId, runId } = await trackedCampaign();
    const other = await newProject("other");
    const long = "x".repeat(65);
    expectError(
      await call("GET", `/v1/campaigns/${long}/link-clicks`, { key: other.manager }),
      400,
      "validation_failed",
      ["campaignId"],
    );
    expectError(await call("GET", `/v1/runs/${long}/link-clicks`, { key: other.manager }), 400, "validation_failed", [
      "runId",
    ]);
    expectError(await call("GET", `/v1/campaigns/${campaignId}/link-clicks`, { key: other.sender }), 404, "not_found");
    expectError(await call("GET", `/v1/runs/${runId}/link-clicks`, { key: other.sender }), 404, "not_found");
    for (const path of [`/v1/campaigns/${campaignId}/link-clicks`, `/v1/runs/${runId}/link-clicks`]) {
      const result = await call("GET", path);
      expect(result.status).toBe(401);
      expect(result.body).toEqual(MISSING_KEY);
    }
  });

  it("has no clicks to count for an API campaign: its urls are the customer's own", async () => {
    const { p, campaignId } = await metaCampaign();
    expectError(await call("GET", `/v1/campaigns/${campaignId}/link-clicks`, { key: p.manager }), 404, "not_found");
  });

  it("refuses trackClicks on a campaign without a url button, naming it", async () => {
    const p = await newProject("links");
    const result = await call("POST", CREATE, {
      key: p.manager,
      body: {
        title: "No links",
        message: "Hello.",
        buttons: [{ type: "phone", text: "Call", phoneNumber: "+15550051310" }],
        trackClicks: true,
      },
    });
    expect(fieldsOf(result)).toEqual([["trackClicks", "counts the clicks on url buttons; the campaign has none"]]);
  });

  it("percent-encodes a suffix the Location header cannot carry, and counts no HEAD", async () => {
    const { p, campaignId, runId } = await trackedCampaign();
    const key = await linkKey(env.ENCRYPTION_KEY);
    const messageId = "msg_019a0000000000aabbccddee";
    const token = await signLink(key, { messageId, runId, button: 0, suffix: "ü ber" });
    const head = await exports.default.fetch(
      new Request(`https://api.test/l/${token}`, { method: "HEAD", redirect: "manual" }),
    );
    expect(head.status).toBe(302);
    const opened = await follow(token);
    expect(opened.status).toBe(302);
    expect(opened.headers.get("location")).toBe("https://pay.example.com/i/%C3%BC%20ber");
    const clicked = [{ ...zero[0], clicks: 1, people: 1 }, zero[1]];
    const counts = await eventually(
      () => call("GET", `/v1/campaigns/${campaignId}/link-clicks`, { key: p.manager }),
      (r) => r.body.buttons?.[0]?.clicks > 0,
    );
    expect(counts.body.buttons).toEqual(clicked);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const later = await call("GET", `/v1/runs/${runId}/link-clicks`, { key: p.manager });
    expect(later.body.buttons).toEqual(clicked);
  });

  it("redirects link previews and prefetches without counting them as clicks", async () => {
    const { p, runId } = await trackedCampaign();
    const token = await signLink(await linkKey(env.ENCRYPTION_KEY), {
      messageId: "msg_019a0000000000aabbccddef",
      runId,
      button: 1,
      suffix: "",
    });
    const open = (headers: Record<string, string>) =>
      exports.default.fetch(new Request(`https://api.test/l/${token}`, { headers, redirect: "manual" }));
    for (const headers of <Record<string, string>[]>[
      { "user-agent": "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)" },
      { "user-agent": "WhatsApp/2.24.6.77 A" },
      { "user-agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)" },
      { "user-agent": "Mozilla/5.0 Chrome/120.0", "sec-purpose": "prefetch;prerender" },
      { "user-agent": "Mozilla/5.0 Firefox/120.0", purpose: "prefetch" },
    ]) {
      const previewed = await open(headers);
      expect(previewed.status, JSON.stringify(headers)).toBe(302);
      expect(previewed.headers.get("location")).toBe("https://shop.example.com/sale");
    }
    expect((await open({ "user-agent": "Mozilla/5.0 (Linux; Android 14) Chrome/120.0 Mobile" })).status).toBe(302);
    const clicked = [zero[0], { ...zero[1], clicks: 1, people: 1 }];
    const counts = await eventually(
      () => call("GET", `/v1/runs/${runId}/link-clicks`, { key: p.manager }),
      (r) => r.body.buttons?.[1]?.clicks > 0,
    );
    expect(counts.body.buttons).toEqual(clicked);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await call("GET", `/v1/runs/${runId}/link-clicks`, { key: p.manager })).body.buttons).toEqual(clicked);
  });
});
