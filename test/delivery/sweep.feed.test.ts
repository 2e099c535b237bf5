import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { governorFor } from "../../src/durable-objects/send-governor";
import { STUCK_QUEUED_MS, sweepStuckMessages } from "../../src/features/delivery/sweep";
import { eventually } from "../messages/messages.helpers";
import { receivedSends } from "../standin/standin.helpers";
import { sendBacklog } from "./backlog.helpers";

// A sending run's queued messages belong to its number's governor. If nothing feeds the run any
// more (the governor let it go while it was paused and the resume was lost, or a fan-out stopped
// between recording a page and handing the run over), the minute sweep hands it over again: its
// messages go out at the number's pace, never poured onto the queue.
describe("sweep: a sending run nobody feeds", { timeout: 30_000 }, () => {
  it("hands the run to its governor, which sends every queued message once", async () => {
    const backlog = await sendBacklog(6, 80, { broadcast: true });
    await env.DB.prepare("UPDATE messages SET updated_at = ? WHERE project_id = ?")
      .bind(Date.now() - STUCK_QUEUED_MS - 1000, backlog.projectId)
      .run();
    const governor = governorFor(env, backlog.account.phoneNumberId);
    expect((await governor.snapshot()).sources).toEqual([]);

    const swept = await sweepStuckMessages(env);
    expect(swept).toMatchObject({ requeued: 0, fedRuns: 1 });
    await eventually(
      async () =>
        (
          await env.DB.prepare(
            "SELECT count(*) AS n FROM messages WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?) AND status = 'sent'",
          )
            .bind(backlog.runId)
            .first<{ n: number }>()
        )?.n,
      (n) => n === 6,
    );
    expect(await receivedSends(backlog.account)).toHaveLength(6);
  });
});
