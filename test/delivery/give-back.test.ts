import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { runQueueBatch } from "../helpers";
import { receivedSends } from "../standin/standin.helpers";
import { sendBacklog } from "./backlog.helpers";
import { unreachableGovernor } from "./governor.helpers";
import { runQueue } from "./pipeline.helpers";

// A sends-consumer slice that fails after claiming its messages and before calling Meta (here the
// number's governor is unreachable) gives its claims back: the queue's retry sends them, where
// they used to stay `sending` until the sweep failed them as unknown outcomes ten minutes on.
// test/run-ledger/claims.concurrency.test.ts checks the same of a run kept in its own object.

describe("a slice that fails before any send", { timeout: 30_000 }, () => {
  it("puts its D1 claims back to queued, and the retry sends each once", async () => {
    const { jobs, account, projectId } = await sendBacklog(8, 1000, { broadcast: true });
    const broken = unreachableGovernor(env);
    const { retried } = await runQueueBatch(
      "wa-campaigns-sends",
      jobs.map((body, i) => ({ id: `g${i}`, timestamp: new Date(), attempts: 1, body })),
      broken,
    );
    expect(retried).toHaveLength(8);
    const statuses = async () =>
      (
        await env.DB.prepare("SELECT status, attempts FROM messages WHERE project_id = ?")
          .bind(projectId)
          .all<{ status: string; attempts: number }>()
      ).results;
    // Queued again, the claim's attempt taken back: as if never claimed.
    expect(await statuses()).toEqual(Array.from({ length: 8 }, () => ({ status: "queued", attempts: 0 })));
    expect(await receivedSends(account)).toHaveLength(0);

    await runQueue("wa-campaigns-sends", jobs, 2);
    expect(await receivedSends(account)).toHaveLength(8);
    expect((await statuses()).map((s) => s.status)).toEqual(Array.from({ length: 8 }, () => "sent"));
  });
});
