import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { numbers } from "../audiences/audiences.helpers";
import { call } from "../helpers";
import { eventually } from "../messages/messages.helpers";
import {
  audience,
  campaign,
  group,
  keepRunsInD1,
  ok,
  optOut,
  runCampaign,
  runMessages,
  runReaches,
  sandboxProject,
} from "./runs.helpers";

// The reference document's sequence — audience, variable group, campaign, run — through the real
// Worker, queues and sandbox provider, with the fan-out in pages of two (FANOUT_PAGE_SIZE in
// vitest.config.ts), so each audience spans several pages and the run more than one job.

// Sandbox test numbers: 0000 is not on WhatsApp, 1111 fails delivery after sent, 2222 is never read.
const NOT_ON_WHATSAPP = "+917428520000";
const DELIVERY_FAILS = "+917428521111";
const NEVER_READ = "+917428522222";

async function setUp() {
  const p = await sandboxProject();
  // The D1 ledger's run, read row by row below; test/run-ledger/runs.e2e.test.ts is its twin in an object.
  await keepRunsInD1(p.id);
  const [a0, a1, a2, a3, a4, a5, n6] = numbers(7, 1) as [string, string, string, string, string, string, string];
  // a4 and a5 are in both audiences: one message each per run.
  await audience(p.manager, "fs", [a0, a1, a2, a3, a4, a5], "Frequent Shoppers");
  await audience(p.manager, "late", [a4, a5, n6, NOT_ON_WHATSAPP, DELIVERY_FAILS, NEVER_READ]);
  const everyone = [a0, a2, a4, a5, n6, NOT_ON_WHATSAPP, DELIVERY_FAILS, NEVER_READ];
  await group(
    p.manager,
    "users",
    ["first_name", "code"],
    [
      ...everyone.map((number, i) => ({ number, first_name: `Name${i}`, code: `C${i}` })),
      // a1 has no values at all; a3 has a name but an empty code.
      { number: a3, first_name: "Asha", code: "" },
    ],
  );
  await optOut(p.id, a2);
  const c = await campaign(p.manager);
  return { p, c, a: { a0, a1, a2, a3, a4, a5, n6 } };
}

describe("runCampaign, end to end on the sandbox", { timeout: 60_000 }, () => {
  it("dry-runs exactly, then sends to everyone once, skipping with reasons, with results equal to the recipients", async () => {
    const { p, c, a } = await setUp();
    expect(c.whatsAppTemplatesStatus).toBe("APPROVED");

    const dry = await ok(
      runCampaign(p.manager, { campaignId: c.campaignId, audiences: ["fs", "late"], dryRun: true }),
      200,
    );
    expect(dry).toEqual({
      status: "success",
      dryRun: {
        recipients: 10,
        wouldSend: 7,
        skipped: { opted_out: 1, us_marketing_paused: 0, missing_variable: { "users.first_name": 1, "users.code": 1 } },
        templateStatus: "APPROVED",
      },
    });
    // A dry run writes nothing.
    expect((await ok(call("GET", `/v1/runs?campaignId=${c.campaignId}`, { key: p.manager }), 200)).runs).toEqual([]);

    // The document's example: `audiences: ["all"]`, with the document's raw Authorization header.
    const started = await ok(
      call("POST", "/v1/run/campaign", {
        headers: { authorization: p.manager },
        body: { campaignId: c.campaignId, audiences: ["all"] },
      }),
      202,
    );
    expect(started.run).toMatchObject({
      runId: expect.stringMatching(/^run_[0-9a-f]{24}$/),
      campaignId: c.campaignId,
      status: "fanning_out",
      audiences: ["all"],
      timeToRun: null,
      retryOf: null,
    });
    const runId = started.run.runId as string;
    const done = await runReaches(p.manager, runId, ["completed"]);
    expect(done.recipients).toEqual({ queued: 7, skipped: 3 });
    expect(done.fannedOutAt).not.toBeNull();
    expect(done.finishedAt).not.toBeNull();

    const rows = await runMessages(runId);
    expect(rows).toHaveLength(10);
    expect(new Set(rows.map((r) => r.number)).size).toBe(10);
    const reasonOf = (n: string) => rows.find((r) => r.number === n)?.skip_reason;
    expect(reasonOf(a.a1)).toBe("missing_variable:users.first_name");
    expect(reasonOf(a.a2)).toBe("opted_out");
    expect(reasonOf(a.a3)).toBe("missing_variable:users.code");

    // Statuses arrive from the sandbox through the events queue; wait for the last of them.
    const final = await eventually(
      () => call("GET", `/v1/runs/${runId}`, { key: p.manager }),
      (r) => r.body.run.results.Read === 4 && r.body.run.results.DeliveryErrors === 1,
    );
    const { results } = final.body.run;
    const { results: sql } = await env.DB.prepare(
      `SELECT
         sum(status != 'skipped') AS queued, sum(sent_at IS NOT NULL) AS sent, sum(delivered_at IS NOT NULL) AS delivered,
         sum(read_at IS NOT NULL) AS read, sum(status = 'skipped') AS skipped,
         sum(status = 'failed' AND error_code = 131026) AS not_on_whatsapp,
         sum(status = 'failed' AND sent_at IS NOT NULL AND error_code != 131026) AS delivery_errors,
         sum(status = 'failed' AND sent_at IS NULL AND error_code != 131026) AS send_errors
       FROM messages WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?)`,
    )
      .bind(runId)
      .all<Record<string, number>>();
    const counted = sql[0] as Record<string, number>;
    expect(results).toMatchObject({
      Queued: counted.queued,
      Sent: counted.sent,
      Delivered: counted.delivered,
      Read: counted.read,
      Skipped: counted.skipped,
      NumbersNotOnWhatsApp: counted.not_on_whatsapp,
      DeliveryErrors: counted.delivery_errors,
      SendErrors: counted.send_errors,
    });
    // The sandbox accepts the send to 0000 and reports it failed (131026) afterwards: sent, and not on WhatsApp.
    expect(results).toMatchObject({ Queued: 7, Sent: 7, Delivered: 5, Read: 4, NumbersNotOnWhatsApp: 1, Skipped: 3 });

    // Running the campaign again is a second run; a4 and a5, in both audiences, get one message each.
    const again = await ok(runCampaign(p.manager, { campaignId: c.campaignId, audiences: ["fs", "late"] }), 202);
    expect(again.run.runId).not.toBe(runId);
    const second = await runReaches(p.manager, again.run.runId, ["completed"]);
    expect(second.recipients).toEqual({ queued: 7, skipped: 3 });
    const listed = await ok(call("GET", `/v1/runs?campaignId=${c.campaignId}`, { key: p.manager }), 200);
    expect(listed.runs.map((r: { runId: string }) => r.runId)).toEqual([again.run.runId, runId]);
    const secondRows = await runMessages(again.run.runId);
    expect(secondRows.map((r) => r.number)).toEqual(rows.map((r) => r.number));
    expect(secondRows.filter((r) => r.number === a.a4 || r.number === a.a5)).toHaveLength(2);
  });
});
