import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { failD1 } from "../d1-faults";
import { receivedSends } from "../standin/standin.helpers";
import { sendBacklog } from "./backlog.helpers";
import { runQueue } from "./pipeline.helpers";

// D1 failing in the middle of a send: a message is never left `sending` without a provider call,
// and the outcome of a call that was made is not given up at the first refusal.

const SENDS = "wa-campaigns-sends";

const byStatus = async (projectId: string) => {
  const { results } = await env.DB.prepare(
    "SELECT status, count(*) AS n FROM messages WHERE project_id = ? GROUP BY status ORDER BY status",
  )
    .bind(projectId)
    .all<{ status: string; n: number }>();
  return Object.fromEntries(results.map((r) => [r.status, r.n]));
};

describe("sends when D1 fails midway", { timeout: 30_000 }, () => {
  it("claims a batch of 100 in one statement, all or nothing: a refused claim leaves none of them sending", async () => {
    const backlog = await sendBacklog(100, 1000, { broadcast: true });
    // The ids travel as one JSON parameter, whatever their number; the opt-out re-check goes first in the same batch.
    const fault = failD1(env.DB, /update "messages" set "status" = \?, "attempts".*json_each/, 1);
    await runQueue(SENDS, backlog.jobs);
    expect(fault.hits).toBe(1);
    expect(await byStatus(backlog.projectId)).toEqual({ queued: 100 });
    expect(await receivedSends(backlog.account)).toHaveLength(0);
    // Redelivered: every message sent, once.
    await runQueue(SENDS, backlog.jobs, 2);
    expect(await byStatus(backlog.projectId)).toEqual({ sent: 100 });
    expect(await receivedSends(backlog.account)).toHaveLength(100);
  });

  it("records the outcomes of calls made even when D1 refuses the first attempt", async () => {
    const backlog = await sendBacklog(20, 1000);
    const fault = failD1(env.DB, /update "messages" set "status" = iif\(/, 1);
    const result = await runQueue(SENDS, backlog.jobs);
    expect(fault.hits).toBe(1);
    expect(result.retryMessages).toEqual([]);
    expect(await byStatus(backlog.projectId)).toEqual({ sent: 20 });
    expect(await receivedSends(backlog.account)).toHaveLength(20);
  });
});
