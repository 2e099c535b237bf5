import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { outbox } from "../../src/features/outbox";
import { campaignStats } from "../../src/features/stats/record";
import { receivedSends } from "../standin/standin.helpers";
import { sendBacklog } from "./backlog.helpers";
import { runQueue } from "./pipeline.helpers";
import { loggedAsQueued } from "./queue-rows";

// A STOP that lands while a broadcast sends: the contact's message is already queued (the fan-out
// checked the opt-out before the STOP came), and must still not go out.

const SENDS = "wa-campaigns-sends";

describe("a broadcast's queued message to a contact who opted out since", () => {
  it("is skipped as opted_out when it is claimed, not sent, and counted as skipped", async () => {
    const backlog = await sendBacklog(5, 80, { broadcast: true });
    const stopped = "+919800000002";
    await env.DB.prepare(
      "INSERT INTO contacts (project_id, number, opted_out, created_at, updated_at) VALUES (?, ?, 1, ?, ?)",
    )
      .bind(backlog.projectId, stopped, Date.now(), Date.now())
      .run();
    // The rows as a fan-out records them, their queued step and its log row, so the counters see them queued.
    await env.DB.batch(loggedAsQueued(backlog.runId as string));
    await runQueue(SENDS, backlog.jobs);
    const row = await env.DB.prepare(
      "SELECT status, skip_reason FROM messages WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?) AND number = ?",
    )
      .bind(backlog.runId, stopped)
      .first();
    expect(row).toEqual({ status: "skipped", skip_reason: "opted_out" });
    const sends = await receivedSends(backlog.account);
    expect(sends.map((s) => (s.body as { to: string }).to)).not.toContain(stopped.slice(1));
    expect(sends).toHaveLength(4);
    await outbox(env).drain();
    const counts = (await campaignStats(env, backlog.campaignId as string).read()).total;
    expect(counts).toMatchObject({ queued: 5, sent: 4, skipped: 1 });
    const recount = await outbox(env).recount(backlog.campaignId as string);
    expect(recount.after.total).toMatchObject({ queued: 5, sent: 4, skipped: 1 });
    expect(recount.before.total).toEqual(recount.after.total);
  });
});
