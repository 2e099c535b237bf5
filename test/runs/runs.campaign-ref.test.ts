import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call } from "../helpers";
import { eventually } from "../messages/messages.helpers";
import { campaign, club, keepRunsInD1, ok, runCampaign, runReaches, sandboxProject } from "./runs.helpers";

// A run's messages leave their campaign to the run (src/platform/db/schema/messages.ts): 28 bytes a
// message not stored. Everything that reads a message's campaign still finds it. Runs kept in D1's
// messages table: those that keep them in their own objects name their run by their ids.
describe("a run's messages and their campaign", { timeout: 60_000 }, () => {
  it("stores no campaign on a run's messages, and every read still names the run's", async () => {
    const p = await sandboxProject();
    await keepRunsInD1(p.id);
    const { members, c } = await club(p, 3, 41);
    const started = await ok(runCampaign(p.manager, { campaignId: c.campaignId, audiences: ["club"] }), 202);
    const runId = started.run.runId as string;
    await runReaches(p.manager, runId, ["completed"]);

    const { results: rows } = await env.DB.prepare(
      "SELECT id, campaign_id, template_id FROM messages WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?) ORDER BY id",
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

  it("names the run on its messages by a short ref, and every read by the run's id, run after run", async () => {
    const p = await sandboxProject();
    await keepRunsInD1(p.id);
    const { members, c } = await club(p, 3, 47);
    const runIds: string[] = [];
    for (let i = 0; i < 2; i++) {
      const started = await ok(runCampaign(p.manager, { campaignId: c.campaignId, audiences: ["club"] }), 202);
      runIds.push(started.run.runId as string);
      await runReaches(p.manager, started.run.runId, ["completed"]);
    }
    for (const runId of runIds) {
      const { results } = await env.DB.prepare(
        "SELECT m.run_id, r.ref FROM runs r JOIN messages m ON m.run_id = r.ref WHERE r.id = ?",
      )
        .bind(runId)
        .all<{ run_id: string; ref: string }>();
      // 3 to 7 bytes where the run's id took 28, on the row and in each of its run indexes.
      expect(results).toHaveLength(3);
      for (const row of results) expect(row.run_id).toMatch(/^[1-9]\d{0,6}$/);
    }
    const recipients = await ok(
      call("POST", "/v1/retrieve/campaign", { key: p.manager, body: { campaignId: c.campaignId } }),
      200,
    );
    // In (run, message) order, each named by its run's id.
    expect(recipients.map((r: { runId: string }) => r.runId)).toEqual([...runIds.map((id) => [id, id, id])].flat());
    expect(
      recipients
        .slice(3)
        .map((r: { number: string }) => r.number)
        .sort(),
    ).toEqual([...members].sort());
    const message = await ok(call("GET", `/v1/messages/${recipients[4].messageId}`, { key: p.manager }), 200);
    expect(message).toMatchObject({ campaignId: c.campaignId, runId: runIds[1] });
    const run = await eventually(
      () => call("GET", `/v1/runs/${runIds[1]}`, { key: p.manager }),
      (r) => r.body?.run?.results?.Sent === 3,
    );
    expect(run.body.run.results).toMatchObject({ Queued: 3, Sent: 3 });
  });
});
