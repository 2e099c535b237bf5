import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { InboundBulk } from "../../src/features/inbound/bulk";
import { handleInbound } from "../../src/features/inbound/handle";
import { inboundActions } from "../../src/features/inbound/parse";
import { applyStatus } from "../../src/features/messages/status";
import { readConfig } from "../../src/platform/config";
import { db, newProject } from "../helpers";
import { inbound, messagesValue, NUMBER, newWamid, responseRows, sentMessage, text } from "../inbound/inbound.helpers";
import { queryPlan, statementsOf } from "../query-plan";

// A message is found by its wamid through an index of the wamid's last 16 characters
// (messages_wamid_key): a status without our callback data, and a reply quoting one of our
// messages. Two wamids may share those characters; the whole wamid decides which message it is.

/** Two sent messages of one project whose wamids end in the same 16 characters. */
async function lookalikes() {
  const p = await newProject();
  const tail = `${crypto.randomUUID().replaceAll("-", "")}`.slice(0, 16);
  const first = await sentMessage(p.id, { campaignId: "cmp_first" });
  const second = await sentMessage(p.id, { campaignId: "cmp_second", number: "+917428526286" });
  const wamids = [`wamid.ONE${tail}`, `wamid.TWO${tail}`] as const;
  for (const [i, m] of [first, second].entries()) {
    await env.DB.prepare("UPDATE messages SET wamid = ? WHERE id = ?").bind(wamids[i], m.id).run();
  }
  return { p, first: { id: first.id, wamid: wamids[0] }, second: { id: second.id, wamid: wamids[1] } };
}

const statusOf = async (id: string) =>
  (await env.DB.prepare("SELECT status FROM messages WHERE id = ?").bind(id).first<{ status: string }>())?.status;

describe("a message found by its wamid", () => {
  it("applies a status to the message whose whole wamid it names, not to one that ends alike", async () => {
    const { p, first, second } = await lookalikes();
    const moved = await applyStatus(db(), { projectId: p.id, wamid: second.wamid }, { status: "delivered", at: 1 });
    expect(moved).toMatchObject({ messageId: second.id, from: "sent", to: "delivered" });
    expect(await statusOf(second.id)).toBe("delivered");
    expect(await statusOf(first.id)).toBe("sent");
    // A wamid that only ends like one of ours is nobody's.
    const stranger = await applyStatus(
      db(),
      { projectId: p.id, wamid: `wamid.THREE${first.wamid.slice(-16)}` },
      { status: "read", at: 2 },
    );
    expect(stranger).toBeNull();
    expect([await statusOf(first.id), await statusOf(second.id)]).toEqual(["sent", "delivered"]);
  });

  it("applies a status by wamid to its own project's message when another project's has the same wamid", async () => {
    const [a, b] = [await newProject(), await newProject()];
    const wamid = newWamid("shared");
    const ours = [await sentMessage(a.id), await sentMessage(b.id)];
    for (const m of ours) {
      await env.DB.prepare("UPDATE messages SET wamid = ? WHERE id = ?").bind(wamid, m.id).run();
    }
    expect(await applyStatus(db(), { projectId: a.id, wamid }, { status: "delivered", at: 1 })).toMatchObject({
      messageId: ours[0]?.id,
    });
    expect(await applyStatus(db(), { projectId: b.id, wamid }, { status: "read", at: 2 })).toMatchObject({
      messageId: ours[1]?.id,
    });
    expect([await statusOf(ours[0]?.id as string), await statusOf(ours[1]?.id as string)]).toEqual([
      "delivered",
      "read",
    ]);
  });

  it("links a reply to the message it quotes, one at a time and in a consumer's bulk", async () => {
    const { p, first, second } = await lookalikes();
    await inbound(p.id, messagesValue([text("one", { context: first.wamid, at: 1_700_000_001 })]));
    const bulk = new InboundBulk();
    const actions = inboundActions(
      readConfig(env),
      messagesValue([text("two", { id: newWamid(), context: second.wamid, at: 1_700_000_002 })]),
      Date.now(),
    ).actions;
    expect(bulk.take(p.id, actions, "two")).toBe(true);
    expect([...(await bulk.apply(db()))]).toEqual([]);
    const rows = await responseRows(p.id);
    expect(rows.map((r) => [r.text, r.message_id, r.campaign_id, r.number])).toEqual([
      ["one", first.id, "cmp_first", NUMBER],
      ["two", second.id, "cmp_second", NUMBER],
    ]);
  });

  it("reaches the message through the wamid's key index, never a walk of the messages", async () => {
    const { p, first } = await lookalikes();
    const statements = await statementsOf((d) =>
      applyStatus(d, { projectId: p.id, wamid: first.wamid }, { status: "delivered", at: 3 }),
    );
    const read = statements.find((s) => /\bwamid\b.*json_each/.test(s.sql) && /^select/i.test(s.sql));
    expect(read).toBeDefined();
    const plan = (await queryPlan(read as { sql: string; params: unknown[] })).join(" | ");
    expect(plan).toMatch(/SEARCH messages USING INDEX messages_wamid_key \(<expr>=\?\)/);
    expect(plan).not.toMatch(/SCAN messages\b/);
    const reply = () => messagesValue([text("x", { context: first.wamid })]);
    const links = [
      ...(await statementsOf((d) => handleInbound(d, readConfig(env), p.id, reply()))),
      ...(await statementsOf((d) => {
        const bulk = new InboundBulk();
        bulk.take(p.id, inboundActions(readConfig(env), reply(), 0).actions, "x");
        return bulk.apply(d);
      })),
    ].filter((s) => /LEFT JOIN messages m/.test(s.sql));
    expect(links).toHaveLength(2);
    for (const link of links) {
      expect((await queryPlan(link)).join(" | ")).toMatch(/SEARCH m USING INDEX messages_wamid_key \(<expr>=\?\)/);
    }
  });
});
