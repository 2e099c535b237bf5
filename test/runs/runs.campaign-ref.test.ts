import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call } from "../helpers";
import { eventually } from "../messages/messages.helpers";
import { campaign, club, ok, runCampaign, runReaches, sandboxProject } from "./runs.helpers";

// A run's messages leave their campaign to the run (src/platform/db/schema/messages.ts): 28 bytes a
// message not stored. Everything that reads a message's campaign still finds it.
describe("a run's messages and their campaign", { timeout: 60_000 }, () => {
  it("stores no campaign on a run's messages, and every read still names the run's", async () => {
    const p = await sandboxProject();
    const { members, c } = await club(p, 3, 41);
    const started = await ok(runCampaign(p.manager, { campaignId: c.campaignId, audiences: ["club"] }), 202);
    const runId = started.run.runId as string;
    await runReaches(p.manager, runId, ["completed"]);

    const { results: rows } = await env.DB.prepare(
      "SELECT id, campaign_id, template_id FROM messages WHERE run_id = ? ORDER BY id",
    )
      .bind(runId)
      .all<{ id: string; campaign_id: string | null; template_id: string | null }>();
    expect(rows).toHaveLength(3);
    expect(rows.map((r) => [r.campaign_id, r.template_id])).toEqual([
      [null, null],
      [null, null],
      [null, null],
    ]);

    // The message's own view.
    const message = await ok(call("GET", `/v1/messages/${rows[0]?.id}`, { key: p.manager }), 200);
    expect(message).toMatchObject({ campaignId: c.campaignId, runId });
    // The campaign's counters, which the outbox feeds from each move's log entry.
    const counted = await eventually(
      () => call("GET", `/v1/runs/${runId}`, { key: p.manager }),
      (r) => r.body?.run?.results?.Sent === 3,
    );
    expect(counted.body.run.results).toMatchObject({ Queued: 3, Sent: 3 });
    // The campaign's recipients, a run at a time.
    const recipients = await ok(
      call("POST", "/v1/retrieve/campaign", { key: p.manager, body: { campaignId: c.campaignId } }),
      200,
    );
    expect(recipients.map((r: { number: string }) => r.number).sort()).toEqual([...members].sort());
    // A cursor naming the run under another campaign of the project finds none of its messages.
    const other = await campaign(p.manager);
    const page = await call("POST", "/v1/retrieve/campaign", {
      key: p.manager,
      body: { campaignId: other.campaignId, limit: 1 },
    });
    expect(page.status).toBe(200);
    expect(page.body).toEqual([]);
  });
});
