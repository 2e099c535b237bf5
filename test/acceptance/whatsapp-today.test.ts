import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MARKETING_RETRY_DELAY_MS } from "../../src/features/runs/marketing-retry";
import { sweepRuns } from "../../src/features/runs/sweep";
import { deliverWebhooks } from "../delivery/pipeline.helpers";
import { call, db, expectError } from "../helpers";
import { eventually } from "../messages/messages.helpers";
import { seedSent } from "../messaging-limit/messaging-limit.helpers";
import { clubCampaign, getRun, ok, runCampaign, runMessages, runReaches } from "../runs/runs.helpers";
import { clearErrors, injectError, receivedSends } from "../standin/standin.helpers";
import { postFixture } from "../webhooks/state-fixtures";

// Meta's 2025–26 rules, end to end against the Graph API stand-in and read from the API alone: a
// utility and a marketing campaign to the same club, billed by category with an estimated cost
// from the rate card; a recipient Meta held for their marketing limit (131049) in its own bucket
// and retried a day later; the marketing template paused, holding a run, and reinstated; and a run
// checked against the portfolio's messaging limit before it starts.

const billingOf = (key: string, runId: string) => call("GET", `/v1/runs/${runId}/billing`, { key });

async function templateVars(campaignId: string, wabaId: string) {
  const row = await env.DB.prepare(
    "SELECT t.id, t.name, t.provider_template_id FROM campaigns c JOIN templates t ON t.id = c.template_id WHERE c.id = ?",
  )
    .bind(campaignId)
    .first<{ id: string; name: string; provider_template_id: string }>();
  if (!row) throw new Error("no template");
  return { WABA_ID: wabaId, TEMPLATE_ID: Number(row.provider_template_id), TEMPLATE_NAME: row.name, id: row.id };
}

describe("WhatsApp as it is today, from the API alone", { timeout: 180_000 }, () => {
  it("bills by category, buckets and retries 131049, holds on a paused template, and checks the messaging limit", async () => {
    const { p, account, members, c: marketing } = await clubCampaign(true, 4, 8100);
    const held = members[0] as string;
    const rateCard = await call("PUT", "/v1/admin/rate-card", {
      admin: true,
      body: {
        currency: "USD",
        rates: [
          { category: "marketing", market: "IN", price: 0.0107, effectiveFrom: "2025-07-01" },
          { category: "utility", market: "*", price: 0.004, effectiveFrom: "2025-07-01" },
        ],
      },
    });
    expect(rateCard.status, JSON.stringify(rateCard.body)).toBe(200);

    // A utility campaign to the club: every message delivered and charged as utility.
    const utility = (
      await ok(
        call("POST", "/v1/create/campaign", {
          key: p.manager,
          body: {
            title: "Your code",
            message: "Hi {users.first_name}, your code {users.code} is ready.",
            templateType: "UTILITY",
            options: { runImmediately: false },
          },
        }),
        201,
      )
    ).campaign;
    const utilityRun = (await ok(runCampaign(p.manager, { campaignId: utility.campaignId, audiences: ["club"] }), 202))
      .run;
    await runReaches(p.manager, utilityRun.runId, ["completed"]);

    // The marketing run: Meta holds one person for their marketing limit; the run opts into the retry.
    await injectError(account, { code: 131049, mode: "always", recipient: held });
    const marketingRun = (
      await ok(
        runCampaign(p.manager, { campaignId: marketing.campaignId, audiences: ["club"], retryMarketingLimited: true }),
        202,
      )
    ).run;
    const finished = await runReaches(p.manager, marketingRun.runId, ["completed"]);
    await clearErrors(account);
    await deliverWebhooks(account);

    const utilityBill = await eventually(
      () => billingOf(p.sender, utilityRun.runId),
      (r) => r.body?.billing?.delivered === 4,
    );
    expect(utilityBill.body.billing).toMatchObject({
      charged: 4,
      byCategory: [{ category: "utility", count: 4 }],
      estimatedCost: { currency: "USD", amount: 0.016, unrated: 0 },
    });
    const marketingBill = await eventually(
      () => billingOf(p.sender, marketingRun.runId),
      (r) => r.body?.billing?.delivered === 3,
    );
    expect(marketingBill.body.billing).toMatchObject({
      charged: 3,
      byCategory: [{ category: "marketing", count: 3 }],
      byMarket: [{ category: "marketing", market: "IN", count: 3, estimatedCost: 0.0321 }],
      estimatedCost: { currency: "USD", amount: 0.0321, unrated: 0 },
    });
    const results = await eventually(
      () => getRun(p.manager, marketingRun.runId),
      (r) => r.body.run.results.MarketingLimited === 1,
    );
    expect(results.body.run.results).toMatchObject({ Sent: 3, Delivered: 3, MarketingLimited: 1, SendErrors: 0 });

    // A day after the run completed, the sweep retries the held person, and only them.
    const due = Date.parse(finished.finishedAt) + MARKETING_RETRY_DELAY_MS + 1;
    expect((await sweepRuns(env, db(), due)).marketingRetries).toBe(1);
    const runs = await ok(call("GET", `/v1/runs?campaignId=${marketing.campaignId}`, { key: p.manager }), 200);
    const retry = runs.runs.find((r: { retryOf: string | null }) => r.retryOf === marketingRun.runId);
    expect(retry).toMatchObject({ retryKind: "marketing_limited" });
    await runReaches(p.manager, retry.runId, ["completed"]);
    expect((await runMessages(retry.runId)).map((m) => m.number)).toEqual([held]);

    // Meta pauses the marketing template: a new run waits with the reason, and sends once reinstated.
    const vars = await templateVars(marketing.campaignId, account.wabaId);
    await postFixture(account.appSecret, "template-status-paused", vars);
    await eventually(
      () => call("GET", `/v1/templates/${vars.id}`, { key: p.manager }),
      (r) => r.body.status === "PAUSED",
    );
    const pausedRun = (await ok(runCampaign(p.manager, { campaignId: marketing.campaignId, audiences: ["club"] }), 202))
      .run;
    expect(pausedRun).toMatchObject({ status: "waiting_template" });
    expect(pausedRun.statusReason).toContain(`template "${vars.TEMPLATE_NAME}" is paused by WhatsApp`);
    await postFixture(account.appSecret, "template-status-reinstated", vars);
    await runReaches(p.manager, pausedRun.runId, ["completed"], 40_000);

    // The portfolio's limit drops to 250 with 248 other people already messaged today (and the club):
    // the check says so before a run starts, and the run is refused or waits as asked.
    await postFixture(account.appSecret, "business-capability-update", { WABA_ID: account.wabaId, LIMIT: 250 });
    await eventually(
      () => call("GET", "/v1/project/messaging-limit", { key: p.sender }),
      (r) => r.body.tier === "TIER_250",
    );
    await seedSent(p.id, 248, { first: 9000 });
    const check = { tier: "TIER_250", limit: 250, used: 252, remaining: 0, recipients: 4, fit: 0, fits: false };
    const dry = await ok(
      call("POST", "/v1/run/campaign", {
        key: p.manager,
        body: { campaignId: utility.campaignId, audiences: ["club"], dryRun: true },
      }),
      200,
    );
    expect(dry.dryRun.messagingLimit).toEqual(check);
    expectError(
      await runCampaign(p.manager, { campaignId: utility.campaignId, audiences: ["club"], whenOverLimit: "refuse" }),
      409,
      "over_messaging_limit",
      ["whenOverLimit"],
    );
    const waiting = await ok(runCampaign(p.manager, { campaignId: utility.campaignId, audiences: ["club"] }), 202);
    expect(waiting.messagingLimit).toEqual(check);
    expect(waiting.run).toMatchObject({ status: "scheduled" });
    expect(waiting.run.statusReason).toMatch(/^waiting for the messaging limit: 0 of its 4 recipients fit/);

    // Each person was sent each run's message once; the held one also the retry, a day on.
    const sends = await receivedSends(account);
    const to = (number: string) => sends.filter((s) => (s.body as { to: string }).to === number.slice(1)).length;
    expect(to(held)).toBe(4);
    for (const other of members.slice(1)) expect(to(other)).toBe(3);
  });
});
