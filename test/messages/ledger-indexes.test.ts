import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { queuedPage } from "../../src/durable-objects/send-governor/feeder";
import { stuckQueued, stuckSending } from "../../src/features/delivery/sweep";
import { completeRunsStatement } from "../../src/features/runs/complete";
import { db } from "../helpers";

// The ledger's partial indexes hold only the statuses their queries ask for, so that delivered and
// read rewrite no index entry (src/platform/db/schema/messages.ts). SQLite uses a partial index
// only when the query repeats its condition: a query that forgets it scans the messages instead,
// which D1 bills row by row. Each query that needs one is checked against SQLite's own plan.

async function plan(query: { toSQL(): { sql: string; params: unknown[] } }) {
  const { sql, params } = query.toSQL();
  const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...params)
    .all<{ detail: string }>();
  return results.map((r) => r.detail).join(" | ");
}

describe("queries on the ledger's partial indexes", () => {
  it("the sweep finds stuck messages through the in-flight index", async () => {
    expect(await plan(stuckSending(db(), Date.now()))).toMatch(/SEARCH messages USING INDEX messages_in_flight/);
    expect(await plan(stuckQueued(db(), Date.now()))).toMatch(/SEARCH messages USING INDEX messages_in_flight/);
  });

  it("a run's governor pages its queued messages, and completion looks for open ones, through the run's index", async () => {
    const source = { runId: "run_x", projectId: "prj_x", campaignId: "cmp_x", after: "", rescanBefore: null };
    expect(await plan(queuedPage(db(), source, 100))).toMatch(/messages_run_status/);
    expect(await plan(queuedPage(db(), { ...source, rescanBefore: Date.now() }, 100))).toMatch(/messages_run_status/);
    expect(await plan(completeRunsStatement(db(), ["run_x"]))).toMatch(
      /SEARCH m USING COVERING INDEX messages_run_status/,
    );
  });
});
