import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { InboundBulk } from "../../src/features/inbound/bulk";
import { handleInbound } from "../../src/features/inbound/handle";
import { inboundActions } from "../../src/features/inbound/parse";
import { listCampaignResponses } from "../../src/features/inbound/store";
import { readConfig } from "../../src/platform/config";
import type { Db } from "../../src/platform/db/client";
import type { InboundMessage } from "../../src/whatsapp/webhook/payload";
import { measureD1 } from "../d1-cost";
import { runQueue } from "../delivery/pipeline.helpers";
import { db, newProject } from "../helpers";
import { broadcastCampaign, buttonPress, inputValues } from "../journeys/journeys.helpers";
import { queryPlan, statementsOf } from "../query-plan";
import { contactRow, inbound, messagesValue, payloadOf, responseRows, text } from "./inbound.helpers";

// The events consumer applies its whole batch's plain presses and replies (a person known by
// number, what they said) together: two statements whatever their number, with every press
// stored and answered exactly once, and the ordered path kept for everything else.

const EVENTS = "wa-campaigns-events";
const numberOf = (i: number) => `+9195${String(i).padStart(8, "0")}`;

/** One queue body per inbound message, as the webhook route queues a signed payload. */
const bodies = (projectId: string, messages: InboundMessage[]) =>
  messages.map((message) => ({
    kind: "whatsapp-webhook",
    source: "meta",
    projectId,
    receivedAt: Date.now(),
    payload: payloadOf("waba", "messages", messagesValue([message])),
  }));

/** A project with a broadcast campaign whose first button records the press. */
async function pressable() {
  const p = await newProject();
  const campaign = await broadcastCampaign(p.id, [{ text: "Yes", type: "input", input: "yes" }]);
  const presses = (count: number, at = 1_700_000_100) =>
    Array.from({ length: count }, (_, i) => buttonPress(campaign.id, 0, "Yes", { from: numberOf(i).slice(1), at }));
  return { p, campaign, presses };
}

describe("inbound presses and replies applied in bulk by the events consumer", () => {
  it("stores and answers 60 presses from two projects in the statements of 6", async () => {
    const one = await pressable();
    const few = await measureD1(env.DB, () => runQueue(EVENTS, bodies(one.p.id, one.presses(6))));
    const a = await pressable();
    const b = await pressable();
    const many = await measureD1(env.DB, () =>
      runQueue(EVENTS, [...bodies(a.p.id, a.presses(30)), ...bodies(b.p.id, b.presses(30))]),
    );
    expect(many.result.retryMessages).toEqual([]);
    // Two writes for the whole batch; each project's presses are answered in their own statements
    // (its campaigns read, its input records written: the group and the values), so a second
    // project adds those three alone.
    expect(few.cost.statements).toBeLessThanOrEqual(5);
    expect(many.cost.statements).toBeLessThanOrEqual(few.cost.statements + 3);
    for (const { p, campaign } of [a, b]) {
      const rows = await responseRows(p.id);
      expect(rows).toHaveLength(30);
      expect(rows.every((r) => r.campaign_id === campaign.id && r.kind === "button")).toBe(true);
      expect(Object.keys(await inputValues(p.id, campaign.id))).toHaveLength(30);
      expect((await contactRow(p.id, numberOf(7)))?.number).toBe(numberOf(7));
    }
    const seen = await env.DB.prepare("SELECT last_message_at FROM contacts WHERE project_id = ? AND number = ?")
      .bind(a.p.id, numberOf(3))
      .first();
    expect(seen).toEqual({ last_message_at: 1_700_000_100_000 });
  });

  it("stores and answers a press delivered twice in one batch, and again later, once", async () => {
    const { p, campaign, presses } = await pressable();
    const [first] = presses(1) as [InboundMessage];
    await runQueue(EVENTS, bodies(p.id, [first, first]));
    await runQueue(EVENTS, bodies(p.id, [first]));
    expect(await responseRows(p.id)).toHaveLength(1);
    expect(await inputValues(p.id, campaign.id)).toEqual({
      [numberOf(0)]: { button: "Yes", input: "yes", pressedAt: new Date(1_700_000_100_000).toISOString() },
    });
  });

  it("answers a press gathered twice in one batch once", async () => {
    const { p, presses } = await pressable();
    const [pressed] = presses(1) as [InboundMessage];
    const bulk = new InboundBulk();
    const actions = () => inboundActions(readConfig(env), messagesValue([pressed]), Date.now()).actions;
    bulk.take(p.id, actions(), "first");
    bulk.take(p.id, actions(), "again");
    const answered: unknown[] = [];
    const log = {
      debug() {},
      warn() {},
      error() {},
      info(msg: string, fields?: Record<string, unknown>) {
        if (msg === "button presses answered") answered.push(fields);
      },
    };
    expect([...(await bulk.apply(db(), log))]).toEqual([]);
    expect(answered).toEqual([expect.objectContaining({ projectId: p.id, inputs: 1 })]);
  });

  it("answers a press once when two consumer invocations apply it at the same time", async () => {
    const { p, campaign, presses } = await pressable();
    const batch = bodies(p.id, presses(10));
    // Cloudflare runs many invocations at once: the same webhooks, redelivered to a second one.
    const results = await Promise.all([runQueue(EVENTS, batch), runQueue(EVENTS, batch), runQueue(EVENTS, batch)]);
    expect(results.every((r) => r.retryMessages.length === 0)).toBe(true);
    expect(await responseRows(p.id)).toHaveLength(10);
    expect(Object.keys(await inputValues(p.id, campaign.id))).toHaveLength(10);
  });

  it("keeps an opt-out keyword on its ordered path, beside the batch's presses", async () => {
    const { p, presses } = await pressable();
    const [pressed] = presses(1) as [InboundMessage];
    const stop = text("STOP", { from: numberOf(0).slice(1), at: 1_700_000_200 });
    await runQueue(EVENTS, bodies(p.id, [pressed, stop]));
    expect((await contactRow(p.id, numberOf(0)))?.opted_out).toBe(1);
    // The STOP is kept too (every inbound message is), unlinked, beside the press.
    expect((await responseRows(p.id)).map((r) => r.kind).sort()).toEqual(["button", "text"]);
    const seen = await env.DB.prepare("SELECT last_message_at FROM contacts WHERE project_id = ? AND number = ?")
      .bind(p.id, numberOf(0))
      .first();
    expect(seen).toEqual({ last_message_at: 1_700_000_200_000 });
  });

  it("applies change by change what could not be applied together, and names what still failed", async () => {
    const { p, campaign, presses } = await pressable();
    const config = readConfig(env);
    const bulk = new InboundBulk();
    const [ok, doomed] = presses(2) as [InboundMessage, InboundMessage];
    expect(bulk.take(p.id, inboundActions(config, messagesValue([ok]), Date.now()).actions, "ok")).toBe(true);
    expect(bulk.take("prj_gone", inboundActions(config, messagesValue([doomed]), Date.now()).actions, "doomed")).toBe(
      true,
    );
    // An opt-out keyword is not the bulk's to take.
    expect(bulk.take(p.id, inboundActions(config, messagesValue([text("STOP")]), Date.now()).actions, "x")).toBe(false);
    // The batch's round trip fails; alone, a project that does not exist fails its foreign key.
    let calls = 0;
    const real = db();
    const flaky = new Proxy(real, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop !== "batch") return typeof value === "function" ? value.bind(target) : value;
        return async (statements: Parameters<Db["batch"]>[0]) => {
          calls += 1;
          if (calls === 1) throw new Error("D1 went away");
          return target.batch(statements);
        };
      },
    }) as Db;
    const failed = await bulk.apply(flaky);
    expect([...failed]).toEqual(["doomed"]);
    expect(await responseRows(p.id)).toHaveLength(1);
    expect(Object.keys(await inputValues(p.id, campaign.id))).toEqual([numberOf(0)]);
  });
});

describe("a reply that quotes nothing", () => {
  const unlinked = (number: string, body: string, wamid: string) => ({
    number,
    message_id: null,
    campaign_id: null,
    run_id: null,
    wamid,
    kind: "text",
    payload: null,
    text: body,
    received_at: 1_700_000_300_000,
  });

  it("is stored once, in bulk as change by change, however often its webhook is delivered", async () => {
    const p = await newProject();
    const bulked = text("Hi there", { from: numberOf(1).slice(1), at: 1_700_000_300 });
    await runQueue(EVENTS, bodies(p.id, [bulked, bulked]));
    await runQueue(EVENTS, bodies(p.id, [bulked]));
    const single = text("Hello", { from: numberOf(2).slice(1), at: 1_700_000_300 });
    expect((await inbound(p.id, messagesValue([single]))).responsesStored).toBe(1);
    expect((await inbound(p.id, messagesValue([single]))).responsesStored).toBe(0);
    // The same webhook on the other path stores nothing either: the row is keyed by its wamid.
    await runQueue(EVENTS, bodies(p.id, [single]));
    expect((await inbound(p.id, messagesValue([bulked]))).responsesStored).toBe(0);
    expect(await responseRows(p.id)).toEqual([
      unlinked(numberOf(1), "Hi there", bulked.id),
      unlinked(numberOf(2), "Hello", single.id),
    ]);
  });

  it("costs one response row: no statement more in bulk, one in the change's own batch", async () => {
    const p = await newProject();
    const replies = Array.from({ length: 20 }, (_, i) =>
      text(`reply ${i}`, { from: numberOf(100 + i).slice(1), at: 1_700_000_300 }),
    );
    const bulk = await measureD1(env.DB, () => runQueue(EVENTS, bodies(p.id, replies)));
    expect(bulk.result.retryMessages).toEqual([]);
    // The contacts statement and the responses statement, whatever the number of replies.
    expect(bulk.cost.statements).toBe(2);
    expect(await responseRows(p.id)).toHaveLength(20);
    const alone = await measureD1(
      env.DB,
      () => inbound(p.id, messagesValue([text("one more", { from: numberOf(200).slice(1) })])),
      { bySql: true },
    );
    // The contact's upsert and the response's insert, in one batch.
    expect(alone.cost.statements).toBe(2);
    const insert = [...(alone.cost.bySql?.entries() ?? [])].find(([sql]) => sql.startsWith('insert into "responses"'));
    // The row, its two index entries (its wamid's key and its number: an unlinked reply has no
    // campaign's) and the id sequence; the link is one index seek finding nothing.
    expect(insert?.[1]).toMatchObject({ statements: 1, rowsWritten: 4 });
    expect(insert?.[1].rowsRead).toBeLessThan(10);
  });
});

describe("a response's indexes", () => {
  it("is looked up through the key of its last characters, in bulk and change by change", async () => {
    const p = await newProject();
    const config = readConfig(env);
    const reply = text("Hi", { from: numberOf(300).slice(1) });
    const statements = await statementsOf(async (d) => {
      const bulk = new InboundBulk();
      bulk.take(p.id, inboundActions(config, messagesValue([reply]), Date.now()).actions, "a");
      await bulk.apply(d);
      await handleInbound(d, config, p.id, messagesValue([text("Hello", { from: numberOf(301).slice(1) })]));
    });
    const inserts = statements.filter((s) => /^insert into "responses"/.test(s.sql));
    expect(inserts).toHaveLength(2);
    for (const insert of inserts) {
      expect((await queryPlan(insert)).join("\n")).toMatch(/SEARCH x USING INDEX responses_wamid_key/);
    }
  });

  it("list a campaign's responses by campaign alone, the project checked on the row", async () => {
    const pages = await statementsOf(async (d) => {
      await listCampaignResponses(d, "prj_x", "cmp_x", undefined, 10);
      await listCampaignResponses(d, "prj_x", "cmp_x", 5, 10);
    });
    const plans = await Promise.all(pages.filter((s) => /from "responses"/.test(s.sql)).map(queryPlan));
    expect(plans.map((p) => p.join(" | "))).toEqual([
      "SEARCH responses USING INDEX responses_campaign (campaign_id=?)",
      "SEARCH responses USING INDEX responses_campaign (campaign_id=? AND id>?)",
    ]);
  });

  it("is stored once though the key is shared: two wamids that end alike are two responses", async () => {
    const p = await newProject();
    const end = "ZZZZzzzzYYYYyyyy";
    const first = text("one", { id: `wamid.HBgLOTE5NTAwMDAwMzAy${end}`, from: numberOf(302).slice(1) });
    const second = text("two", { id: `wamid.HBgLOTE5NTAwMDAwMzAz${end}`, from: numberOf(303).slice(1) });
    await runQueue(EVENTS, bodies(p.id, [first, second, first]));
    expect((await inbound(p.id, messagesValue([second]))).responsesStored).toBe(0);
    const rows = await responseRows(p.id);
    expect(rows.map((r) => [r.text, r.wamid])).toEqual([
      ["one", first.id],
      ["two", second.id],
    ]);
  });
});
