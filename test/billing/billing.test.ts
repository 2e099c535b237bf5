import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { idAt } from "../../src/features/archive/units";
import { RateCard, type RateRow } from "../../src/features/billing/rate-card";
import { BillingTally } from "../../src/features/billing/report";
import { billingValue, marketOf, pricingOf } from "../../src/whatsapp/pricing";
import { campaignWith, kindsProject, sendToStandIn } from "../api-campaigns/api-send.kinds.helpers";
import { archiveAll, count, finishedRun } from "../archive/archive.helpers";
import { deliverWebhooks } from "../delivery/pipeline.helpers";
import { call, expectError, newProject } from "../helpers";
import { eventually } from "../messages/messages.helpers";
import { createOk, minimal } from "../templates/templates.helpers";

// Meta's per-message pricing, from the status webhooks to a run's and a campaign's billing, priced
// with the operator's rate card.

const DAY = 24 * 60 * 60 * 1000;
const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / DAY;

describe("pricing as status webhooks carry it", () => {
  it("is charged when Meta's type is regular, free otherwise; read liberally", () => {
    const regular = { billable: true, pricing_model: "PMP", type: "regular", category: "marketing" };
    expect(pricingOf(regular)).toEqual({ category: "marketing", charged: true });
    expect(pricingOf({ ...regular, type: "free_customer_service", category: "service" })).toEqual({
      category: "service",
      charged: false,
    });
    expect(pricingOf({ ...regular, type: "free_entry_point", billable: false })).toMatchObject({ charged: false });
    // Older payloads say only `billable`.
    expect(pricingOf({ billable: true, category: "UTILITY" })).toEqual({ category: "utility", charged: true });
    for (const odd of [undefined, null, "regular", 3, {}, { category: "" }, { category: 5 }]) {
      expect(pricingOf(odd)).toBeUndefined();
    }
  });

  it("records a charged message with its category and market, a free one as free", () => {
    expect(marketOf("+919812340000")).toBe("IN");
    expect(marketOf("447700900123")).toBe("GB");
    expect(marketOf("+15551230001")).toBe("US");
    expect(marketOf("not a number")).toBe("ZZ");
    expect(billingValue({ category: "marketing", charged: true }, "+919812340000")).toBe("marketing IN");
    expect(billingValue({ category: "service", charged: false }, "+919812340000")).toBe("free");
  });
});

describe("BillingTally", () => {
  const rate = (category: string, market: string, price: number, from: string): RateRow => ({
    id: 0,
    category,
    market,
    currency: "USD",
    priceMicros: Math.round(price * 1e6),
    effectiveFrom: Date.parse(`${from}T00:00:00Z`),
  });

  it("prices each day at the rate then in effect, a market's own rate before the card's *", () => {
    const card = new RateCard([
      rate("marketing", "IN", 0.01, "2026-07-01"),
      rate("marketing", "IN", 0.012, "2026-10-01"),
      rate("marketing", "*", 0.05, "2026-01-01"),
    ]);
    const tally = new BillingTally();
    tally.add("marketing IN", day("2026-09-30"), 10);
    tally.add("marketing IN", day("2026-10-01"), 5);
    tally.add("marketing GB", day("2026-10-01"), 2);
    tally.add("utility IN", day("2026-10-01"), 3);
    tally.add("free", day("2026-10-01"), 4);
    tally.add(null, day("2026-10-01"), 1);
    expect(tally.report(card)).toEqual({
      delivered: 25,
      charged: 20,
      free: 4,
      unpriced: 1,
      byCategory: [
        { category: "marketing", count: 17 },
        { category: "utility", count: 3 },
      ],
      byMarket: [
        { category: "marketing", market: "IN", count: 15, estimatedCost: 0.16 },
        { category: "utility", market: "IN", count: 3, estimatedCost: null },
        { category: "marketing", market: "GB", count: 2, estimatedCost: 0.1 },
      ],
      estimatedCost: { currency: "USD", amount: 0.26, unrated: 3 },
    });
  });

  it("estimates nothing without a card, and a rate not yet in effect does not apply", () => {
    const tally = new BillingTally();
    tally.add("marketing IN", day("2026-06-30"), 2);
    expect(tally.report(new RateCard([])).estimatedCost).toBeNull();
    const early = tally.report(new RateCard([rate("marketing", "IN", 0.01, "2026-07-01")]));
    expect(early.estimatedCost).toEqual({ currency: "USD", amount: 0, unrated: 2 });
  });
});

const billing = (key: string | undefined, path: string) => call("GET", path, { key });
const setCard = (body: unknown, admin = true) => call("PUT", "/v1/admin/rate-card", { admin, body });

describe("GET /v1/runs/{runId}/billing and /v1/campaigns/{campaignId}/billing", { timeout: 60_000 }, () => {
  it("counts a run's delivered messages as Meta priced them, priced by the card, live and archived alike", async () => {
    const { p, campaignId, runId } = await finishedRun();
    // The sandbox prices as Meta does: a marketing template, regular, on sent and delivered.
    const expected = {
      delivered: 3,
      charged: 3,
      free: 0,
      unpriced: 0,
      byCategory: [{ category: "marketing", count: 3 }],
      byMarket: [{ category: "marketing", market: "IN", count: 3, estimatedCost: null }],
      estimatedCost: null,
    };
    const live = await billing(p.sender, `/v1/runs/${runId}/billing`);
    expect(live.status, JSON.stringify(live.body)).toBe(200);
    expect(live.body).toEqual({ status: "success", runId, billing: expected });

    const set = await setCard({
      currency: "USD",
      rates: [
        { category: "marketing", market: "IN", price: 0.0107, effectiveFrom: "2025-07-01" },
        { category: "utility", market: "*", price: 0.004, effectiveFrom: "2025-07-01" },
      ],
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    const priced = {
      ...expected,
      byMarket: [{ category: "marketing", market: "IN", count: 3, estimatedCost: 0.0321 }],
      estimatedCost: { currency: "USD", amount: 0.0321, unrated: 0 },
    };
    expect((await billing(p.sender, `/v1/runs/${runId}/billing`)).body.billing).toEqual(priced);
    const ofCampaign = await billing(p.manager, `/v1/campaigns/${campaignId}/billing`);
    expect(ofCampaign.body).toEqual({ status: "success", campaignId, billing: priced });

    await archiveAll(p.id);
    expect(
      await count(
        "SELECT count(*) AS n FROM messages WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?)",
        runId,
      ),
    ).toBe(0);
    expect((await billing(p.sender, `/v1/runs/${runId}/billing`)).body.billing).toEqual(priced);
    expect((await billing(p.sender, `/v1/campaigns/${campaignId}/billing`)).body.billing).toEqual(priced);
    expect((await setCard({ currency: "USD", rates: [] })).body).toEqual({ currency: null, rates: [] });
  });

  it("answers 404 for another project's run or campaign, 401 without a key, 400 for a bad id", async () => {
    const { p, campaignId, runId } = await finishedRun();
    const other = await newProject("billing other");
    expectError(await billing(other.manager, `/v1/runs/${runId}/billing`), 404, "not_found");
    expectError(await billing(other.manager, `/v1/campaigns/${campaignId}/billing`), 404, "not_found");
    expectError(await billing(p.manager, "/v1/runs/run_unknown/billing"), 404, "not_found");
    expect((await billing(undefined, `/v1/runs/${runId}/billing`)).status).toBe(401);
    expect((await billing(undefined, `/v1/campaigns/${campaignId}/billing`)).status).toBe(401);
    expectError(await billing(p.manager, `/v1/runs/${"x".repeat(65)}/billing`), 400, "validation_failed", ["runId"]);
  });
});

describe("PUT /v1/admin/rate-card", () => {
  it("stores and answers the card; refuses a bad one naming the field; operator token only", async () => {
    const card = {
      currency: "EUR",
      rates: [
        { category: "marketing", market: "DE", price: 0.1365, effectiveFrom: "2026-10-01" },
        { category: "authentication", market: "+44", price: 0.0358, effectiveFrom: "2026-10-01" },
      ],
    };
    const set = await setCard(card);
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ currency: "EUR", rates: [card.rates[1], card.rates[0]] });
    expect((await call("GET", "/v1/admin/rate-card", { admin: true })).body).toEqual(set.body);

    expectError(await setCard({ ...card, currency: "eur" }), 400, "validation_failed", ["currency"]);
    expectError(
      await setCard({ currency: "EUR", rates: [{ ...card.rates[0], market: "Germany" }] }),
      400,
      "validation_failed",
      ["rates.0.market"],
    );
    expectError(
      await setCard({ currency: "EUR", rates: [{ ...card.rates[0], effectiveFrom: "2026-02-30x" }] }),
      400,
      "validation_failed",
      ["rates.0.effectiveFrom"],
    );
    expectError(await setCard({ currency: "EUR", rates: [card.rates[0], card.rates[0]] }), 400, "validation_failed", [
      "rates.1",
    ]);
    expectError(
      await setCard({ currency: "EUR", rates: [{ ...card.rates[0], price: -1 }] }),
      400,
      "validation_failed",
      ["rates.0.price"],
    );
    expect((await setCard(card, false)).status).toBe(401);
    const p = await newProject("rate card keys");
    expect((await call("PUT", "/v1/admin/rate-card", { key: p.manager, body: card })).status).toBe(401);
    // Nothing refused changed the card.
    expect((await call("GET", "/v1/admin/rate-card", { admin: true })).body).toEqual(set.body);
    await setCard({ currency: "EUR", rates: [] });
  });
});

describe("billing of an API campaign through Meta's signed webhooks", { timeout: 60_000 }, () => {
  it("counts a utility template's delivered sends by the pricing the stand-in's statuses carry", async () => {
    const k = await kindsProject();
    const { campaignName, campaignId } = await campaignWith(k, {
      name: "billing_utility",
      language: "en_US",
      category: "UTILITY",
      body: { text: "Your order has shipped." },
    });
    await sendToStandIn(k, campaignName, {});
    await sendToStandIn(k, campaignName, {});
    await deliverWebhooks(k.account);
    const report = await eventually(
      () => billing(k.p.sender, `/v1/campaigns/${campaignId}/billing`),
      (r) => r.body?.billing?.delivered === 2,
    );
    expect(report.body.billing).toMatchObject({
      delivered: 2,
      charged: 2,
      byCategory: [{ category: "utility", count: 2 }],
      byMarket: [{ category: "utility", market: "IN", count: 2 }],
    });
  });
});

describe("billing of an API campaign's archived days", { timeout: 60_000 }, () => {
  it("is the same before and after whole past days move to the archive", async () => {
    const p = await newProject("billing api days");
    const template = await createOk(p.manager, minimal());
    const campaign = await call("POST", "/v1/api-campaigns", {
      key: p.manager,
      body: { name: "orders", templateId: template.id },
    });
    const at = Date.parse("2026-01-02T00:00:00.000Z");
    const rows: [number, string | null, string | null][] = [
      [at + 1000, "utility IN", "delivered"],
      [at + 2000, "utility GB", "delivered"],
      [at + 3000, "free", "read"],
      [at + 4000, "utility IN", "failed"],
      [Date.now(), "utility IN", "delivered"],
    ];
    for (const [i, [time, billed, status]] of rows.entries()) {
      const id = `${idAt(time)}00000000000${i}`;
      await env.DB.prepare(
        "INSERT INTO messages (id, project_id, campaign_id, template_id, number, status, attempts, wamid, created_at, updated_at, sent_at, delivered_at, billing) VALUES (?, ?, (SELECT coalesce(ref, id) FROM campaigns WHERE id = ?), ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)",
      )
        .bind(
          id,
          p.id,
          campaign.body.id,
          template.id,
          `+9198765432${i}0`,
          status,
          `wamid.${id}`,
          time,
          time + 9,
          time + 5,
          status === "failed" ? null : time + 9,
          billed,
        )
        .run();
    }
    const path = `/v1/campaigns/${campaign.body.id}/billing`;
    const before = await billing(p.manager, path);
    expect(before.body.billing).toMatchObject({
      delivered: 4,
      charged: 3,
      free: 1,
      unpriced: 0,
      byMarket: [
        { category: "utility", market: "IN", count: 2 },
        { category: "utility", market: "GB", count: 1 },
      ],
    });
    await archiveAll(p.id);
    expect(
      await count(
        "SELECT count(*) AS n FROM messages WHERE campaign_id = (SELECT coalesce(ref, id) FROM campaigns WHERE id = ?)",
        campaign.body.id,
      ),
    ).toBe(1);
    expect((await billing(p.manager, path)).body).toEqual(before.body);
  });
});
