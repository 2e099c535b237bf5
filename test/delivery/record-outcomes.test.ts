import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { recordOutcomes } from "../../src/features/delivery/record-outcomes";
import { claimMessages, type Result } from "../../src/features/delivery/send-batch";
import { db, newProject } from "../helpers";
import { historyStatuses, insertQueuedMessage, templateMessage } from "../messages/messages.helpers";

// The outcomes of a batch are written in one D1 batch whose size does not grow with the batch:
// a handful of statements for 100 successes, not three per message.

const history = historyStatuses;

describe("recordOutcomes", () => {
  it("records 100 successes with a fixed number of statements, a step each, none for a message a webhook already moved", async () => {
    const p = await newProject();
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) {
      const number = `+9197${String(i).padStart(8, "0")}`;
      ids.push(
        await insertQueuedMessage(db(), {
          projectId: p.id,
          number,
          templateId: null,
          payload: templateMessage(number),
        }),
      );
    }
    const claimed = await claimMessages(db(), p.id, ids);
    expect(claimed.size).toBe(100);
    // A webhook got to the first one between the send and its record.
    const [first, ...rest] = ids as [string, ...string[]];
    await env.DB.prepare("UPDATE messages SET status = 'delivered', updated_at = 1 WHERE id = ?").bind(first).run();

    let statements = 0;
    const real = db();
    const counting = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop === "batch") {
          return (items: Parameters<typeof real.batch>[0]) => {
            statements = items.length;
            return target.batch(items);
          };
        }
        const value = Reflect.get(target, prop, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const results: Result[] = ids.map((id) => ({ id, ok: true, wamid: `wamid.${id}` }));
    const { outcomes, transitions } = await recordOutcomes(counting, p.id, claimed, results, 8);

    expect(statements).toBeLessThanOrEqual(5);
    expect(transitions.map((t) => t.messageId).sort()).toEqual([...rest].sort());
    expect(outcomes.get(first)).toMatchObject({ kind: "sent", transition: null });
    const rows = await env.DB.prepare(
      "SELECT status, count(*) AS n, count(DISTINCT wamid) AS w FROM messages WHERE project_id = ? GROUP BY status",
    )
      .bind(p.id)
      .all<{ status: string; n: number; w: number }>();
    expect(rows.results).toEqual(
      expect.arrayContaining([
        { status: "sent", n: 99, w: 99 },
        { status: "delivered", n: 1, w: 1 },
      ]),
    );
    expect(await history(rest[0] as string)).toEqual(["queued", "sending", "sent"]);
    expect(await history(first)).toEqual(["queued", "sending"]);
  });
});
