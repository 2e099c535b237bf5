import { env } from "cloudflare:workers";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { normalizeTier, perDay } from "../../src/features/messaging-limit/tiers";
import { recipientsInWindowQuery } from "../../src/features/messaging-limit/usage";
import { connectedProject } from "../delivery/pipeline.helpers";
import { call, MISSING_KEY, newProject } from "../helpers";
import { eventually } from "../messages/messages.helpers";
import { queryPlan } from "../query-plan";
import { injectError } from "../standin/standin.helpers";
import { postFixture } from "../webhooks/state-fixtures";
import { seedSent, setTier } from "./messaging-limit.helpers";

// Meta's messaging limit (unique recipients per moving 24 hours, per business portfolio): read from
// the Graph API stand-in's phone number and from Meta's webhooks, and the window's use counted from
// the ledger. The runs that must fit in it: test/messaging-limit/runs.test.ts.

const limitOf = (key: string) => call("GET", "/v1/project/messaging-limit", { key });

describe("messaging limit tiers", () => {
  it("reads Meta's tiers and numbers alike", () => {
    expect(normalizeTier("TIER_2K")).toBe("TIER_2K");
    expect(normalizeTier(" tier_100k ")).toBe("TIER_100K");
    expect(normalizeTier("TIER_UNLIMITED")).toBe("TIER_UNLIMITED");
    expect(normalizeTier(2000)).toBe("TIER_2K");
    expect(normalizeTier("250")).toBe("TIER_250");
    expect(normalizeTier(-1)).toBe("TIER_UNLIMITED");
    expect(normalizeTier("-1")).toBe("TIER_UNLIMITED");
    for (const bad of [0, -2, 1.5, "", "LIMITED", "TIER_", null, undefined, {}]) expect(normalizeTier(bad)).toBeNull();
    expect(perDay("TIER_250")).toBe(250);
    expect(perDay("TIER_2K")).toBe(2000);
    expect(perDay("TIER_100K")).toBe(100_000);
    expect(perDay("TIER_UNLIMITED")).toBeNull();
    expect(perDay(null)).toBeUndefined();
  });
});

describe("GET /v1/project/messaging-limit", { timeout: 30_000 }, () => {
  it("shows the tier Meta's phone number answered on connect, and what the last 24 hours used", async () => {
    const { p } = await connectedProject({ autoApprove: true, messagingLimit: "TIER_250" });
    const fresh = await limitOf(p.sender);
    expect(fresh.status).toBe(200);
    expect(fresh.body).toEqual({ tier: "TIER_250", limit: 250, used: 0, remaining: 250 });

    // Three unique people in the window (one of them twice), one only before it.
    await seedSent(p.id, 2, { first: 0, hoursAgo: 2 });
    await seedSent(p.id, 2, { first: 1, hoursAgo: 5 });
    await seedSent(p.id, 1, { first: 50, hoursAgo: 30 });
    expect((await limitOf(p.manager)).body).toEqual({ tier: "TIER_250", limit: 250, used: 3, remaining: 247 });
  });

  it("counts every project on the same WhatsApp Business Account, and API campaigns' messages", async () => {
    const { p, account } = await connectedProject({ autoApprove: true });
    await setTier(p.id, "TIER_2K");
    const sibling = await newProject("limit sibling");
    await env.DB.prepare(
      "INSERT INTO whatsapp_accounts (project_id, provider, phone_number_id, waba_id, updated_at) VALUES (?, 'meta', ?, ?, ?)",
    )
      .bind(sibling.id, `${account.phoneNumberId}9`, account.wabaId, Date.now())
      .run();
    await seedSent(sibling.id, 4, { first: 100 });
    const now = Date.now();
    await env.DB.prepare(
      "INSERT INTO campaigns (id, project_id, kind, name, status, updated_at) VALUES (?, ?, 'api', 'orders', 'live', ?)",
    )
      .bind(`cmp_api${now}`, p.id, now)
      .run();
    const apiMessage = (hoursAgo: number, number: string) => {
      const at = now - hoursAgo * 3_600_000;
      return env.DB.prepare(
        "INSERT INTO messages (id, project_id, campaign_id, number, status, created_at, updated_at, sent_at) VALUES (?, ?, ?, ?, 'sent', ?, ?, ?)",
      )
        .bind(`msg_${at.toString(16).padStart(12, "0")}${number.slice(-6)}`, p.id, `cmp_api${now}`, number, at, at, at)
        .run();
    };
    await apiMessage(1, "+919999000001");
    await apiMessage(3, "+919999000002");
    await apiMessage(26, "+919999000003");
    // +917428510100 is one of the sibling's: a person counts once across the portfolio.
    await apiMessage(2, "+917428510100");
    expect((await limitOf(p.sender)).body).toEqual({ tier: "TIER_2K", limit: 2000, used: 6, remaining: 1994 });
    expect((await limitOf(sibling.sender)).body).toEqual({ tier: null, limit: null, used: null, remaining: null });
  });

  it("reads the window through the runs' and API campaigns' message indexes", async () => {
    const { sql, params } = new SQLiteAsyncDialect().sqlToQuery(recipientsInWindowQuery("prj_x", Date.now()));
    const steps = (await queryPlan({ sql, params })).join("\n");
    expect(steps).toMatch(/SEARCH m USING INDEX messages_run/);
    expect(steps).toMatch(/SEARCH m USING INDEX messages_campaign/);
    expect(steps).not.toMatch(/SCAN m\b/);
  });

  it("answers 401 without a key", async () => {
    const anonymous = await call("GET", "/v1/project/messaging-limit");
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual(MISSING_KEY);
  });
});

describe("the messaging limit from Meta's webhooks", { timeout: 30_000 }, () => {
  it("business_capability_update and phone_number_quality_update set the tier", async () => {
    const { p, account } = await connectedProject({ autoApprove: true });
    expect((await limitOf(p.sender)).body.tier).toBe("TIER_UNLIMITED");
    await postFixture(account.appSecret, "business-capability-update", { WABA_ID: account.wabaId, LIMIT: 2000 });
    await eventually(
      () => limitOf(p.sender),
      (r) => r.body.tier === "TIER_2K",
    );
    await postFixture(account.appSecret, "business-capability-update", { WABA_ID: account.wabaId, LIMIT: -1 });
    await eventually(
      () => limitOf(p.sender),
      (r) => r.body.tier === "TIER_UNLIMITED",
    );
    // The quality webhook also has the number read again; failing here, the webhook's tier stands alone.
    await injectError(account, { code: 2, mode: "always", endpoint: "phone_number" });
    await postFixture(account.appSecret, "number-quality-update", { WABA_ID: account.wabaId });
    const upgraded = await eventually(
      () => limitOf(p.sender),
      (r) => r.body.tier === "TIER_10K",
    );
    expect(upgraded.body).toEqual({ tier: "TIER_10K", limit: 10_000, used: 0, remaining: 10_000 });
  });

  it("keeps an unreadable capability change as a dead letter and the tier as it was", async () => {
    const { p, account } = await connectedProject({ autoApprove: true });
    await setTier(p.id, "TIER_2K");
    await postFixture(account.appSecret, "business-capability-update", { WABA_ID: account.wabaId, LIMIT: "lots" });
    const letters = await eventually(
      () => call("GET", "/v1/admin/dead-letters", { admin: true }),
      (r) => JSON.stringify(r.body).includes("business_capability_update"),
    );
    expect(JSON.stringify(letters.body)).toContain("unreadable `business_capability_update` change");
    expect((await limitOf(p.sender)).body.tier).toBe("TIER_2K");
  });
});
