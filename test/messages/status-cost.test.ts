import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { applyStatuses, type StatusUpdate } from "../../src/features/messages/apply-statuses";
import { createDb } from "../../src/platform/db/client";
import { measureD1 } from "../d1-cost";
import { sendBacklog } from "../delivery/backlog.helpers";

// A batch of statuses names its messages by our id (the callback data of our sends): the read and
// the compare-and-set join the batch's list to the rows, each sought by its key, where a list behind
// IN (SELECT …) cost a row read more per status (SQLite's temporary index of the list).

const N = 100;

async function sentMessages() {
  const backlog = await sendBacklog(N, 80, { broadcast: true });
  await env.DB.prepare(
    "UPDATE messages SET status = 'sent', wamid = 'wamid.' || id, sent_at = ? WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?)",
  )
    .bind(Date.now(), backlog.runId)
    .run();
  return backlog;
}

describe("the D1 cost of a batch of statuses", () => {
  it("reads 2 rows a status to find its message and 5 to move it", async () => {
    const backlog = await sentMessages();
    const updates: StatusUpdate[] = backlog.jobs.map((j) => ({
      projectId: backlog.projectId,
      messageId: j.messageId,
      change: { status: "delivered", at: Date.now() },
    }));
    const { result, cost } = await measureD1(env.DB, () => applyStatuses(createDb(env.DB), updates), { bySql: true });
    expect(result).toHaveLength(N);
    const statements = [...(cost.bySql?.entries() ?? [])];
    const read = statements.filter(([text]) => text.startsWith("select"));
    const move = statements.filter(([text]) => text.startsWith('update "messages"'));
    expect(read).toHaveLength(1);
    expect(move).toHaveLength(1);
    // The list's value and the key's index entry (the row comes with it).
    expect(read[0]?.[1].rowsRead).toBeLessThanOrEqual(2 * N);
    // The list's value, the key's entry, the row as found and as written, the row it returns.
    expect(move[0]?.[1].rowsRead).toBeLessThanOrEqual(5 * N);
    const { n } = (await env.DB.prepare(
      "SELECT count(*) AS n FROM messages WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?) AND status = 'delivered'",
    )
      .bind(backlog.runId)
      .first<{ n: number }>()) ?? { n: 0 };
    expect(n).toBe(N);
  });
});
