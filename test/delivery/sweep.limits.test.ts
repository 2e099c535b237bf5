import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { STUCK_QUEUED_MS, STUCK_SENDING_MS, sweepStuckMessages } from "../../src/features/delivery/sweep";
import { newProject } from "../helpers";

/** `count` message rows in `status`, last updated `ageMs` ago, written through one JSON parameter. */
async function stuckMessages(projectId: string, prefix: string, count: number, status: string, ageMs: number) {
  const at = Date.now() - ageMs;
  const rows = Array.from({ length: count }, (_, i) => [
    `msg_${prefix}${String(i).padStart(6, "0")}`,
    `+9198${String(i).padStart(8, "0")}`,
  ]);
  await env.DB.prepare(
    `INSERT INTO messages (id, project_id, number, status, created_at, updated_at)
     SELECT value ->> 0, ?, value ->> 1, ?, ?, ? FROM json_each(?)`,
  )
    .bind(projectId, status, at, at, JSON.stringify(rows))
    .run();
  return rows.map(([id]) => id as string);
}

// The sweep takes up to 500 stuck messages of each kind a minute; D1 binds at most 100 parameters
// per statement, so a sweep of more than 100 must not bind one per message (test/d1-limits.ts).
describe("sweep at scale", () => {
  it("fails 150 messages stuck in sending and re-enqueues 150 stuck in queued", async () => {
    const p = await newProject();
    const sending = await stuckMessages(p.id, "sending", 150, "sending", STUCK_SENDING_MS + 1000);
    const queued = await stuckMessages(p.id, "queued", 150, "queued", STUCK_QUEUED_MS + 1000);
    expect(await sweepStuckMessages(env)).toEqual({ failed: 150, requeued: 150, fedRuns: 0, cancelledRuns: 0 });
    const statuses = await env.DB.prepare(
      "SELECT status, count(*) AS n FROM messages WHERE project_id = ? AND id LIKE 'msg_sending%' GROUP BY status",
    )
      .bind(p.id)
      .all();
    expect(statuses.results).toEqual([{ status: "failed", n: sending.length }]);
    // Re-enqueued: touched now, and the sends consumer (running in this runtime) may already have
    // claimed some of them.
    const touched = await env.DB.prepare(
      "SELECT count(*) AS n FROM messages WHERE project_id = ? AND id LIKE 'msg_queued%' AND status IN ('queued', 'sending') AND updated_at > ?",
    )
      .bind(p.id, Date.now() - 60_000)
      .first<{ n: number }>();
    expect(touched?.n).toBe(queued.length);
  });
});
