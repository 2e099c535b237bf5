import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { EXAMPLE_TOKEN, linkKey, signLink } from "../../src/features/broadcast-messages/links";
import { call } from "../helpers";
import { eventually } from "../messages/messages.helpers";
import {
  BUTTONS,
  buttonComponents,
  expectNotValid,
  follow,
  remoteTemplate,
  sentCampaign,
  tokenOf,
} from "./link-clicks.helpers";

// Tracked url buttons end to end: the campaign's template at the Graph API stand-in, the token in
// each message Meta received, the redirect, and the counts.

const TOKEN = /^[A-Za-z0-9_-]+$/;

const counts = (clicks: [number, number], people: [number, number]) => [
  { index: 0, text: "Pay", url: BUTTONS[0]?.url, clicks: clicks[0], people: people[0] },
  { index: 1, text: "Shop", url: BUTTONS[1]?.url, clicks: clicks[1], people: people[1] },
];

describe("link-click tracking", { timeout: 90_000 }, () => {
  it("leads url buttons through /l/, redirects to the real url and counts clicks and people", async () => {
    const { p, account, members, campaign, runId, sends } = await sentCampaign(true, 701);
    const [first = "", second = ""] = members;
    expect(campaign.trackClicks).toBe(true);
    expect(campaign.buttons).toEqual(BUTTONS);
    const template = await remoteTemplate(account, campaign.templateName);
    expect(template?.buttons).toEqual([
      { type: "URL", text: "Pay", url: "https://api.test/l/{{1}}", example: EXAMPLE_TOKEN },
      { type: "URL", text: "Shop", url: "https://api.test/l/{{1}}", example: EXAMPLE_TOKEN },
    ]);

    const param = (text: unknown) => [{ type: "text", text }];
    expect(buttonComponents(sends, first)).toEqual([
      { type: "button", sub_type: "url", index: "0", parameters: param(expect.stringMatching(TOKEN)) },
      { type: "button", sub_type: "url", index: "1", parameters: param(expect.stringMatching(TOKEN)) },
    ]);
    // 38 signed bytes (51 characters), and the recipient's suffix after them.
    expect(tokenOf(sends, first, 1)).toHaveLength(51);
    expect(tokenOf(sends, first, 0)).toHaveLength(Math.ceil(((38 + "inv-0?x=1".length) * 4) / 3));

    const path = `/v1/campaigns/${campaign.campaignId}/link-clicks`;
    const countsAre = async (clicks: [number, number], people: [number, number]) => {
      const expected = { status: "success", campaignId: campaign.campaignId, trackClicks: true };
      const result = await eventually(
        () => call("GET", path, { key: p.sender }),
        (r) => JSON.stringify(r.body.buttons) === JSON.stringify(counts(clicks, people)),
      );
      expect(result.body).toEqual({ ...expected, buttons: counts(clicks, people) });
      const run = await call("GET", `/v1/runs/${runId}/link-clicks`, { key: p.sender });
      expect(run.body).toEqual({ ...expected, runId, buttons: counts(clicks, people) });
    };
    await countsAre([0, 0], [0, 0]);

    const pay = await follow(tokenOf(sends, first, 0));
    expect(pay.status).toBe(302);
    expect(pay.headers.get("location")).toBe("https://pay.example.com/i/inv-0?x=1");
    expect(pay.headers.get("referrer-policy")).toBe("no-referrer");
    expect(pay.headers.get("cache-control")).toBe("no-store");
    const shop = await follow(tokenOf(sends, first, 1));
    expect(shop.headers.get("location")).toBe("https://shop.example.com/sale");
    await countsAre([1, 1], [1, 1]);

    // The same message's link again is a click, not a new person; another recipient is both.
    expect((await follow(tokenOf(sends, first, 0))).status).toBe(302);
    await countsAre([2, 1], [1, 1]);
    const other = await follow(tokenOf(sends, second, 0));
    expect(other.headers.get("location")).toBe("https://pay.example.com/i/inv-1?x=1");
    await countsAre([3, 1], [2, 1]);

    const rows = await env.DB.prepare(
      "SELECT number, button, clicks FROM link_clicks WHERE run_id = ? ORDER BY number, button",
    )
      .bind(runId)
      .all();
    expect(rows.results).toEqual([
      { number: first, button: 0, clicks: 2 },
      { number: first, button: 1, clicks: 1 },
      { number: second, button: 0, clicks: 1 },
    ]);
  });

  it("tracks a run kept in its own object: its tokens name the run's ref and slot", async () => {
    const { p, members, campaign, runId, sends } = await sentCampaign(true, 731, "object");
    const [first = "", second = ""] = members;
    const ref = (
      await env.DB.prepare("SELECT ref FROM runs WHERE id = ? AND ledger = 'object'")
        .bind(runId)
        .first<{ ref: string }>()
    )?.ref;
    expect(ref).toBeTruthy();
    // 38 signed bytes, as for any message.
    expect(tokenOf(sends, first, 1)).toHaveLength(51);
    const pay = await follow(tokenOf(sends, first, 0));
    expect(pay.status).toBe(302);
    expect(pay.headers.get("location")).toBe("https://pay.example.com/i/inv-0?x=1");
    expect((await follow(tokenOf(sends, first, 0))).status).toBe(302);
    expect((await follow(tokenOf(sends, second, 1))).headers.get("location")).toBe("https://shop.example.com/sale");
    const result = await eventually(
      () => call("GET", `/v1/runs/${runId}/link-clicks`, { key: p.sender }),
      (r) => JSON.stringify(r.body.buttons) === JSON.stringify(counts([2, 1], [1, 1])),
    );
    expect(result.body).toMatchObject({ campaignId: campaign.campaignId, runId, buttons: counts([2, 1], [1, 1]) });
    // Each click row names its message in the run's object, and its clicker, asked of the object.
    const rows = await env.DB.prepare("SELECT message_id, number FROM link_clicks WHERE run_id = ? ORDER BY button")
      .bind(runId)
      .all<{ message_id: string; number: string | null }>();
    expect(rows.results).toEqual([
      { message_id: expect.stringMatching(new RegExp(`^msg_r${ref}\\.`)), number: first },
      { message_id: expect.stringMatching(new RegExp(`^msg_r${ref}\\.`)), number: second },
    ]);
  });

  it("answers a garbled, altered or forged token with a small 404 page, and counts nothing", async () => {
    const { p, members, campaign, runId, sends } = await sentCampaign(true, 711);
    const token = tokenOf(sends, members[0] ?? "", 1);
    const altered = `${token.slice(0, 10)}${token[10] === "A" ? "B" : "A"}${token.slice(11)}`;
    const messageId = (
      await env.DB.prepare(
        "SELECT id FROM messages WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?) LIMIT 1",
      )
        .bind(runId)
        .first()
    )?.id as string;
    const forged = await signLink(await linkKey("some other secret"), { messageId, runId, button: 1, suffix: "" });
    // Signed with the deployment's key, but naming a run that does not exist.
    const unknownRun = await signLink(await linkKey(env.ENCRYPTION_KEY), {
      messageId,
      runId: "run_000000000000000000000000",
      button: 1,
      suffix: "",
    });
    for (const bad of ["x", "not-a-token", "%00", token.slice(0, 40), `${token}AAAA`, altered, forged, unknownRun]) {
      expectNotValid(await follow(bad));
    }
    const result = await call("GET", `/v1/campaigns/${campaign.campaignId}/link-clicks`, { key: p.manager });
    expect(result.body.buttons).toEqual(counts([0, 0], [0, 0]));
  });

  it("leaves an untracked campaign's template and messages exactly as before", async () => {
    const { p, account, members, campaign, sends } = await sentCampaign(undefined, 721);
    expect(campaign.trackClicks).toBe(false);
    const template = await remoteTemplate(account, campaign.templateName);
    expect(template?.buttons).toEqual([
      { type: "URL", text: "Pay", url: "https://pay.example.com/i/{{1}}", example: "sample 1" },
      { type: "URL", text: "Shop", url: "https://shop.example.com/sale" },
    ]);
    expect(buttonComponents(sends, members[1] ?? "")).toEqual([
      { type: "button", sub_type: "url", index: "0", parameters: [{ type: "text", text: "inv-1?x=1" }] },
    ]);
    const result = await call("GET", `/v1/campaigns/${campaign.campaignId}/link-clicks`, { key: p.manager });
    expect(result.body).toEqual({
      status: "success",
      campaignId: campaign.campaignId,
      trackClicks: false,
      buttons: counts([0, 0], [0, 0]),
    });
  });
});
