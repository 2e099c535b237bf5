import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { queuedPage } from "../../src/durable-objects/send-governor/feeder";
import { runFailures } from "../../src/features/archive/failures";
import { dueUnit } from "../../src/features/archive/units";
import { recipientsPage } from "../../src/features/broadcast-campaigns/recipients";
import { stuckQueued, stuckRuns, stuckSending } from "../../src/features/delivery/sweep";
import { requeueCampaign } from "../../src/features/messages/requeue";
import { completeRunsStatement } from "../../src/features/runs/complete";
import { countFromLedger } from "../../src/features/stats/recount";
import { db } from "../helpers";
import { queryPlan, statementsOf } from "../query-plan";

// The ledger's partial indexes hold only the messages their queries ask for, so that a claim,
// delivered and read rewrite no index entry (src/platform/db/schema/messages.ts). SQLite uses a
// partial index only when the query repeats its condition: a query that forgets it scans the
// messages instead, which D1 bills row by row. Each query that needs one is checked against SQLite's own plan.

const plan = async (query: Parameters<typeof queryPlan>[0]) => (await queryPlan(query)).join(" | ");

/** The plans of the statements `work` runs on messages. */
const plansOf = async (work: Parameters<typeof statementsOf>[0]) =>
  Promise.all((await statementsOf(work)).filter((s) => /\bmessages\b/.test(s.sql)).map(plan));

describe("queries on the ledger's partial indexes", () => {
  it("the sweep finds stuck messages through the in-flight index, or a run's through its open runs", async () => {
    const [api, ofRuns] = stuckSending(db(), Date.now());
    expect(await plan(api)).toMatch(/SEARCH messages USING INDEX messages_in_flight/);
    expect(await plan(stuckQueued(db(), Date.now()))).toMatch(/SEARCH messages USING INDEX messages_in_flight/);
    // A run's messages are not in the in-flight index: its watched runs are read by status, then
    // the front of each one's open-messages index (a bounded list), each message by its key,
    // never a walk of either.
    const runs = await plan(ofRuns);
    // Runs under way by status; those that ended by their end time, a range however many ended before.
    expect(runs).toMatch(/SEARCH runs USING INDEX runs_\w+ \(status=\?\)/);
    expect(runs).toMatch(/SEARCH runs USING INDEX runs_ended \(status=\? AND finished_at>\?\)/);
    expect(runs).toMatch(/CORRELATED LIST SUBQUERY \d+ \| SEARCH o USING INDEX messages_run_open \(run_id=\?\)/);
    expect(runs).toMatch(/SEARCH messages USING INDEX sqlite_autoindex_messages_1 \(id=\?\)/);
    expect(runs).not.toMatch(/SCAN (runs|messages|o)\b/);
    const stalled = await plan(stuckRuns(db(), Date.now()));
    expect(stalled).toMatch(/SEARCH runs USING INDEX runs_ended \(status=\? AND finished_at>\?\)/);
    expect(stalled).toMatch(/SEARCH m USING INDEX messages_run_open \(run_id=\?\)/);
    expect(stalled).not.toMatch(/SCAN (runs|m)\b/);
  });

  it("a run's governor pages its queued messages, and completion looks for open ones, through the run's index", async () => {
    const source = { runId: "run_x", projectId: "prj_x", campaignId: "cmp_x", after: "", rescanBefore: null };
    const page = /SEARCH messages USING INDEX messages_run_open \(run_id=\? AND id>\?\)/;
    expect(await plan(queuedPage(db(), source, 100))).toMatch(page);
    expect(await plan(queuedPage(db(), { ...source, rescanBefore: Date.now() }, 100))).toMatch(page);
    expect(await plan(completeRunsStatement(db(), ["run_x"]))).toMatch(/SEARCH m USING INDEX messages_run_open/);
  });

  it("a campaign's recipients, recount and requeue find messages by run or, for API campaigns, by campaign", async () => {
    const scope = { projectId: "prj_x", campaignId: "cmp_x" };
    // The page reads the campaign's runs first, then each run's messages by its ref.
    await env.DB.batch([
      env.DB.prepare("INSERT OR IGNORE INTO projects (id, name, created_at) VALUES ('prj_x', 'x', 0)"),
      env.DB.prepare(
        "INSERT OR IGNORE INTO runs (id, ref, project_id, campaign_id, status, audiences, created_at, updated_at) VALUES ('run_a', '7', 'prj_x', 'cmp_x', 'sending', '[]', 0, 0)",
      ),
      env.DB.prepare(
        "INSERT OR IGNORE INTO messages (id, project_id, run_id, number, status, created_at, updated_at) VALUES ('msg_b', 'prj_x', '7', '+15550000001', 'queued', 0, 0)",
      ),
    ]);
    const pages = [
      ...(await plansOf((d) => recipientsPage(d, scope, { runId: "run_a", id: "msg_a" }, 10))),
      ...(await plansOf((d) => recipientsPage(d, { ...scope, runId: "run_a" }, { runId: "run_a", id: "msg_a" }, 10))),
    ];
    // Per page: the campaign's runs that hold messages (an index probe each), then each run's page.
    const [runsOfCampaign, firstPage, , onePage] = pages;
    expect(pages).toHaveLength(4);
    expect(runsOfCampaign).toMatch(/SEARCH r USING INDEX runs_project_campaign \(project_id=\? AND campaign_id=\?\)/);
    expect(runsOfCampaign).toMatch(/SEARCH m (EXISTS )?USING (COVERING )?INDEX messages_run\w* \(run_id=\?\)/);
    expect(runsOfCampaign).not.toMatch(/SCAN (r|m)\b/);
    for (const p of [firstPage, onePage]) {
      expect(p).toMatch(/SEARCH m USING INDEX messages_run \(run_id=\?/);
      expect(p).not.toMatch(/TEMP B-TREE|SCAN m/);
    }
    const [recount] = await plansOf((d) => countFromLedger(d, "cmp_x").then(() => null));
    expect(recount).toMatch(/messages_campaign \(campaign_id=\?\).*messages_run \(run_id=\?\)/);
    const requeue = await plansOf((d) =>
      requeueCampaign({ SENDS: { sendBatch: async () => {} } } as never, d, "prj_x", "cmp_x"),
    );
    // A run's failures by code: only its failed messages, through the run's failed-messages index.
    const failed = (await plansOf((d) => runFailures(d, env, "prj_x", { id: "run_x", campaignId: "cmp_x" }))).find(
      (p) => p.includes("SEARCH m "),
    );
    expect(failed).toMatch(/SEARCH m USING (COVERING )?INDEX messages_run_failed \(run_id=\?\)/);
    // The archive's next API-campaign day: one seek per campaign, never a walk of the project's messages.
    const [due] = await plansOf((d) => dueUnit(d, "prj_x", Date.now()));
    expect(due).toMatch(/SEARCH m USING INDEX messages_campaign \(campaign_id=\? AND id>\? AND id<\?\)/);
    expect(due).not.toMatch(/SCAN m\b/);
    expect(requeue[0]).toMatch(/SEARCH messages USING INDEX messages_campaign \(campaign_id=\? AND id>\?\)/);
  });
});
