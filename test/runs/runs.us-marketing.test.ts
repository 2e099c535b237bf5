import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { readConfig } from "../../src/platform/config";
import { isUsNumber, usAreaCodeList } from "../../src/whatsapp/us-marketing-pause";
import { call } from "../helpers";
import { eventually } from "../messages/messages.helpers";
import { getRun, ok, runCampaign, runMessages, runReaches, sandboxProject } from "./runs.helpers";

// Meta has not delivered marketing templates to US numbers since April 2025. A marketing run skips
// them with `us_marketing_paused` (never sent, never a Meta failure), its dry run counts them, and
// a utility campaign still sends to them. Other +1 countries are not paused.

const US = ["+12125550101", "+14155550102", "+13125550103"]; // New York, San Francisco, Chicago
const CANADA = "+14165550104"; // Toronto
const PUERTO_RICO = "+17875550105";
const INDIA = "+917428526285";

async function broadcast(key: string, templateType: "MARKETING" | "UTILITY") {
  const body = await ok(
    call("POST", "/v1/create/campaign", {
      key,
      body: {
        title: `${templateType} ${crypto.randomUUID().slice(0, 8)}`,
        message: templateType === "MARKETING" ? "Our spring sale starts today." : "Your order has shipped.",
        templateType,
        options: { runImmediately: false },
      },
    }),
    201,
  );
  return body.campaign as { campaignId: string };
}

async function setUp(templateType: "MARKETING" | "UTILITY") {
  const p = await sandboxProject();
  for (const number of [...US, CANADA, PUERTO_RICO, INDIA]) {
    await ok(call("POST", "/v1/contacts", { key: p.manager, body: { number } }), 201);
  }
  return { p, c: await broadcast(p.manager, templateType) };
}

describe("US numbers and marketing templates", { timeout: 60_000 }, () => {
  it("tells US area codes from the other +1 countries", () => {
    for (const number of US) expect(isUsNumber(number), number).toBe(true);
    for (const number of [CANADA, PUERTO_RICO, "+12425550106" /* Bahamas */, INDIA, "+15555550107"]) {
      expect(isUsNumber(number), number).toBe(false);
    }
    // Not ten digits after +1: not a number Meta would take as a US one either.
    expect(isUsNumber("+1212555010")).toBe(false);
    expect(usAreaCodeList()).toContain("212");
    expect(usAreaCodeList()).not.toContain("416");
  });

  it("counts US recipients of a marketing campaign in the dry run, then skips them with the reason", async () => {
    const { p, c } = await setUp("MARKETING");
    const dry = await ok(runCampaign(p.manager, { campaignId: c.campaignId, audiences: ["all"], dryRun: true }), 200);
    expect(dry).toEqual({
      status: "success",
      dryRun: {
        recipients: 6,
        wouldSend: 3,
        skipped: { opted_out: 0, us_marketing_paused: 3, missing_variable: {} },
        templateStatus: "APPROVED",
      },
    });

    const run = (await ok(runCampaign(p.manager, { campaignId: c.campaignId, audiences: ["all"] }), 202)).run;
    await runReaches(p.manager, run.runId, ["completed"]);
    const rows = await eventually(
      () => runMessages(run.runId),
      (all) => all.every((r) => r.status === "skipped" || r.status === "read"),
    );
    expect(rows.filter((r) => r.status === "skipped").map((r) => [r.number, r.skip_reason])).toEqual(
      [...US].sort().map((number) => [number, "us_marketing_paused"]),
    );
    // Never sent, so never a Meta failure: no error on the row.
    expect(rows.filter((r) => r.status === "skipped").every((r) => r.error_code === null)).toBe(true);
    expect(
      rows
        .filter((r) => r.status === "read")
        .map((r) => r.number)
        .sort(),
    ).toEqual([CANADA, PUERTO_RICO, INDIA].sort());
    const results = await eventually(
      () => getRun(p.manager, run.runId),
      (r) => r.body.run.results.Skipped === 3 && r.body.run.results.Read === 3,
    );
    expect(results.body.run.results).toMatchObject({ Skipped: 3, Read: 3 });
  });

  it("sends a utility campaign to US numbers, and its dry run skips nobody", async () => {
    const { p, c } = await setUp("UTILITY");
    const dry = await ok(runCampaign(p.manager, { campaignId: c.campaignId, audiences: ["all"], dryRun: true }), 200);
    expect(dry.dryRun).toMatchObject({
      recipients: 6,
      wouldSend: 6,
      skipped: { opted_out: 0, us_marketing_paused: 0 },
    });
    const run = (await ok(runCampaign(p.manager, { campaignId: c.campaignId, audiences: ["all"] }), 202)).run;
    await runReaches(p.manager, run.runId, ["completed"]);
    const rows = await eventually(
      () => runMessages(run.runId),
      (all) => all.every((r) => r.status === "read"),
    );
    expect(rows.map((r) => r.number).sort()).toEqual([...US, CANADA, PUERTO_RICO, INDIA].sort());
  });

  it("reads the operator's switch: on unless US_MARKETING_PAUSED is 0", () => {
    expect(readConfig(env).US_MARKETING_PAUSED).toBe(true);
    expect(readConfig({ ...env, US_MARKETING_PAUSED: "0" } as Env).US_MARKETING_PAUSED).toBe(false);
    expect(() => readConfig({ ...env, US_MARKETING_PAUSED: "off" } as Env)).toThrow(/US_MARKETING_PAUSED/);
  });
});
