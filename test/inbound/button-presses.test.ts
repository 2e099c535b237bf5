import { describe, expect, it } from "vitest";
import { handleInbound, inboundConfig } from "../../src/features/inbound/handle";
import type { Db } from "../../src/platform/db/client";
import { campaigns } from "../../src/platform/db/schema";
import { newId } from "../../src/platform/ids";
import { connectedProject } from "../delivery/pipeline.helpers";
import { api, db, expectError, newProject } from "../helpers";
import {
  broadcastCampaign,
  buttonPress,
  createJourney,
  deliverInbound,
  inputValues,
  messageRows,
} from "../journeys/journeys.helpers";
import { eventually } from "../messages/messages.helpers";
import { receivedSends } from "../standin/standin.helpers";
import {
  attachMetaAccount,
  buttonReply,
  messagesValue,
  NUMBER,
  payloadOf,
  postSigned,
  press,
  responseRows,
  WA_ID,
} from "./inbound.helpers";

// Presses of a broadcast campaign's quick-reply buttons (payload `bcb:<campaignId>:<index>`): an
// input button records the press in the campaign's input group, a journey button sends the
// journey's messages to whoever pressed it.

const OTHER = "+917428520042";
const AT = 1_700_000_100;
/** How the input group records a press's time: Meta's Unix seconds, as ISO 8601. */
const pressedAt = (seconds: number) => new Date(seconds * 1000).toISOString();

describe("input buttons", () => {
  it("a press through the signed webhook lands in the campaign's input group, retrievable as its values", {
    timeout: 30_000,
  }, async () => {
    const p = await newProject();
    const account = await attachMetaAccount(p.id);
    const campaign = await broadcastCampaign(p.id, [
      { text: "Yes", type: "input", input: "yes_please" },
      { text: "No", type: "input" },
    ]);
    const posted = await postSigned(
      account.appSecret,
      payloadOf(
        account.wabaId,
        "messages",
        messagesValue(
          [
            buttonPress(campaign.id, 0, "Yes", { at: AT }),
            buttonPress(campaign.id, 1, "No", { from: OTHER.slice(1), at: AT + 5 }),
          ],
          account.phoneNumberId,
        ),
      ),
    );
    expect(posted).toEqual({ status: 200, body: { received: 1 } });
    const values = await eventually(
      () => inputValues(p.id, campaign.id),
      (v) => Object.keys(v).length === 2,
    );
    expect(values).toEqual({
      [NUMBER]: { button: "Yes", input: "yes_please", pressedAt: pressedAt(AT) },
      // Without `input`, the button's text is what is recorded.
      [OTHER]: { button: "No", input: "No", pressedAt: pressedAt(AT + 5) },
    });

    const retrieved = await api("GET", `/v1/retrieve/variable/group/values?id=${campaign.inputGroupId}`, {
      key: p.manager,
    });
    expect(retrieved.status, JSON.stringify(retrieved.body)).toBe(200);
    expect(retrieved.body.values).toEqual(
      expect.arrayContaining([
        { number: NUMBER, button: "Yes", input: "yes_please", pressedAt: pressedAt(AT) },
        { number: OTHER, button: "No", input: "No", pressedAt: pressedAt(AT + 5) },
      ]),
    );
    expect(retrieved.body.values).toHaveLength(2);
  });

  it("a replayed press changes nothing, not even after a later press of another button", async () => {
    const p = await newProject();
    const campaign = await broadcastCampaign(p.id, [
      { text: "Yes", type: "input", input: "yes" },
      { text: "No", type: "input", input: "no" },
    ]);
    const first = buttonPress(campaign.id, 0, "Yes", { at: AT });
    await deliverInbound(p.id, [first]);
    expect(await inputValues(p.id, campaign.id)).toEqual({
      [NUMBER]: { button: "Yes", input: "yes", pressedAt: pressedAt(AT) },
    });
    await deliverInbound(p.id, [buttonPress(campaign.id, 1, "No", { at: AT + 60 })]);
    const after = await inputValues(p.id, campaign.id);
    expect(after[NUMBER]).toMatchObject({ input: "no" });

    // Meta redelivers the first press (same wamid): already stored, so it is not acted on again.
    await deliverInbound(p.id, [first]);
    await deliverInbound(p.id, [first]);
    expect(await inputValues(p.id, campaign.id)).toEqual(after);
    expect(await responseRows(p.id)).toHaveLength(2);
  });

  it("an interactive button_reply with the campaign's payload is recorded like a template button press", async () => {
    const p = await newProject();
    const campaign = await broadcastCampaign(p.id, [{ text: "Count me in", type: "input", input: "rsvp" }]);
    await deliverInbound(p.id, [buttonReply(`bcb:${campaign.id}:0`, "Count me in", { at: AT })]);
    expect(await inputValues(p.id, campaign.id)).toEqual({
      [NUMBER]: { button: "Count me in", input: "rsvp", pressedAt: pressedAt(AT) },
    });
  });

  it("creates the campaign's input group if it is missing, rather than losing the press", async () => {
    const p = await newProject();
    const id = newId("cmp");
    const now = Date.now();
    await db()
      .insert(campaigns)
      .values({
        id,
        projectId: p.id,
        kind: "broadcast",
        name: "Without a group",
        status: "live",
        buttons: [{ text: "Yes", type: "input", input: "y" }],
        createdAt: now,
        updatedAt: now,
      });
    await deliverInbound(p.id, [buttonPress(id, 0, "Yes", { at: AT })]);
    expect(await inputValues(p.id, id)).toEqual({
      [NUMBER]: { button: "Yes", input: "y", pressedAt: pressedAt(AT) },
    });
    const groups = await api("GET", "/v1/retrieve/variable/groups", { key: p.manager });
    expect(groups.body).toEqual([
      expect.objectContaining({ id: `input_${id}`, name: "Without a group", type: "input", campaignId: id }),
    ]);
  });
});

describe("journey buttons", () => {
  it("a press sends the journey's messages, in order, to the presser", { timeout: 40_000 }, async () => {
    const { p, account } = await connectedProject();
    await createJourney(p.manager, "welcome", ["One: hello!", "Two: here is how it works.", "Three: reply any time."]);
    const campaign = await broadcastCampaign(p.id, [
      { text: "Not now", type: "input" },
      { text: "Start", type: "journey", journeyId: "welcome" },
    ]);
    const posted = await postSigned(
      account.appSecret,
      payloadOf(
        account.wabaId,
        "messages",
        messagesValue([buttonPress(campaign.id, 1, "Start", { at: AT })], account.phoneNumberId),
      ),
    );
    expect(posted.status).toBe(200);

    const sends = await eventually(
      () => receivedSends(account),
      (s) => s.length === 3,
      30_000,
    );
    expect(sends.map((s) => s.body)).toEqual(
      ["One: hello!", "Two: here is how it works.", "Three: reply any time."].map((body) => ({
        messaging_product: "whatsapp",
        recipient_type: "individual",
        to: WA_ID,
        type: "text",
        text: { body, preview_url: false },
        biz_opaque_callback_data: expect.stringMatching(/^msg_[0-9a-f]{24}\|\|$/),
      })),
    );
    expect(sends.every((s) => s.accepted)).toBe(true);

    const rows = await eventually(
      () => messageRows(p.id),
      (r) => r.length === 3 && r.every((m) => m.status === "sent"),
    );
    // Not the campaign's broadcast messages: no campaign or run, so its counters are untouched.
    expect(rows.map((r) => [r.number, r.campaign_id, r.run_id])).toEqual([
      [NUMBER, null, null],
      [NUMBER, null, null],
      [NUMBER, null, null],
    ]);
    expect(rows.map((r) => JSON.parse(r.payload))).toEqual(
      ["One: hello!", "Two: here is how it works.", "Three: reply any time."].map((text, i) => ({
        type: "text",
        to: NUMBER,
        text,
        journey: { id: "welcome", step: i + 1, steps: 3, campaignId: campaign.id, button: 1 },
      })),
    );
    // Each send's callback data names its own row, in the same order.
    expect(sends.map((s) => (s.body as { biz_opaque_callback_data: string }).biz_opaque_callback_data)).toEqual(
      rows.map((r) => `${r.id}||`),
    );
    const message = await api("GET", `/v1/messages/${rows[0]?.id}`, { key: p.manager });
    expect(message.body).toMatchObject({ campaignId: null, runId: null, templateId: null, number: NUMBER });
    expect(message.body.history[0]).toMatchObject({
      status: "queued",
      detail: `journey welcome message 1/3, pressed on campaign ${campaign.id} button 1`,
    });
  });

  it("a replayed press sends nothing twice", async () => {
    const p = await newProject();
    await createJourney(p.manager, "twice", ["a", "b"]);
    const campaign = await broadcastCampaign(p.id, [{ text: "Go", type: "journey", journeyId: "twice" }]);
    const pressed = buttonPress(campaign.id, 0, "Go", { at: AT });
    await deliverInbound(p.id, [pressed]);
    await deliverInbound(p.id, [pressed]);
    const rows = await messageRows(p.id);
    expect(rows.map((r) => JSON.parse(r.payload).text)).toEqual(["a", "b"]);
    // A second, distinct press is a new request: the journey is sent again.
    await deliverInbound(p.id, [buttonPress(campaign.id, 0, "Go", { at: AT + 60 })]);
    expect((await messageRows(p.id)).map((r) => JSON.parse(r.payload).text)).toEqual(["a", "b", "a", "b"]);
  });

  it("a press of a button whose journey was deleted sends nothing; recreating the journey makes it work again", async () => {
    const p = await newProject();
    await createJourney(p.manager, "gone", ["first version"]);
    const campaign = await broadcastCampaign(p.id, [{ text: "Go", type: "journey", journeyId: "gone" }]);
    expect((await api("DELETE", "/v1/journeys/gone", { key: p.manager })).status).toBe(200);

    await deliverInbound(p.id, [buttonPress(campaign.id, 0, "Go", { at: AT })]);
    expect(await messageRows(p.id)).toEqual([]);
    // The press itself is still kept as a response.
    expect((await responseRows(p.id)).map((r) => r.payload)).toEqual([`bcb:${campaign.id}:0`]);

    await createJourney(p.manager, "gone", ["second version"]);
    await deliverInbound(p.id, [buttonPress(campaign.id, 0, "Go", { at: AT + 60 })]);
    expect((await messageRows(p.id)).map((r) => JSON.parse(r.payload).text)).toEqual(["second version"]);
  });
});

describe("presses that do nothing", () => {
  it("a payload naming another project's campaign changes nothing in either project", async () => {
    const a = await newProject();
    const b = await newProject();
    await createJourney(a.manager, "theirs", ["secret"]);
    const campaign = await broadcastCampaign(a.id, [
      { text: "Yes", type: "input", input: "yes" },
      { text: "Go", type: "journey", journeyId: "theirs" },
    ]);
    // B's own journey of the same id must not be sent either: the campaign is A's.
    await createJourney(b.manager, "theirs", ["b's own"]);
    await deliverInbound(b.id, [buttonPress(campaign.id, 0, "Yes", { at: AT }), buttonPress(campaign.id, 1, "Go")]);
    expect(await inputValues(a.id, campaign.id)).toEqual({});
    expect(await messageRows(a.id)).toEqual([]);
    expect(await messageRows(b.id)).toEqual([]);
  });

  it("ignores payloads that are not a broadcast button of the project's", async () => {
    const p = await newProject();
    const campaign = await broadcastCampaign(p.id, [
      { text: "Yes", type: "input", input: "yes" },
      { text: "Site", type: "url", url: "https://example.com" },
    ]);
    const apiCampaign = newId("cmp");
    await db()
      .insert(campaigns)
      .values({
        id: apiCampaign,
        projectId: p.id,
        kind: "api",
        name: "api",
        status: "live",
        buttons: [{ text: "Yes", type: "input", input: "yes" }],
        createdAt: Date.now(),
        updatedAt: Date.now(),
      });
    await deliverInbound(p.id, [
      press("YES", "Yes"),
      press(`bcb:${campaign.id}:7`, "Nothing there"),
      press(`bcb:${campaign.id}:1`, "Site"),
      press(`bcb:${campaign.id}:x`, "Not an index"),
      press(`bcb:${apiCampaign}:0`, "Yes"),
    ]);
    expect(await inputValues(p.id, campaign.id)).toEqual({});
    expect(await inputValues(p.id, apiCampaign)).toEqual({});
    expect(await messageRows(p.id)).toEqual([]);
    expect(await responseRows(p.id)).toHaveLength(5);
  });
});

describe("a press that cannot be answered now", () => {
  /** The database, except that its `batch` fails on the given calls (1-based). */
  function failingBatches(real: Db, failOn: number[]) {
    let calls = 0;
    return new Proxy(real, {
      get(target, property, receiver) {
        if (property !== "batch") return Reflect.get(target, property, receiver);
        return (...args: Parameters<Db["batch"]>) => {
          calls += 1;
          if (failOn.includes(calls)) return Promise.reject(new Error("D1 is unavailable"));
          return target.batch(...args);
        };
      },
    });
  }

  it("is forgotten, so that the event's retry stores and answers it", async () => {
    const p = await newProject();
    const campaign = await broadcastCampaign(p.id, [{ text: "Yes", type: "input", input: "yes" }]);
    const value = messagesValue([buttonPress(campaign.id, 0, "Yes", { at: AT })]);
    // The responses batch goes through; the press's own batch (the second) fails.
    await expect(handleInbound(failingBatches(db(), [2]), inboundConfig(), p.id, value)).rejects.toThrow(
      "D1 is unavailable",
    );
    expect(await responseRows(p.id)).toEqual([]);
    expect(await inputValues(p.id, campaign.id)).toEqual({});

    expect(await handleInbound(db(), inboundConfig(), p.id, value)).toEqual({
      optChanges: 0,
      responsesStored: 1,
      unreadable: 0,
    });
    expect(await inputValues(p.id, campaign.id)).toEqual({
      [NUMBER]: { button: "Yes", input: "yes", pressedAt: pressedAt(AT) },
    });
  });
});

describe("journeys and presses stay apart from other projects' keys", () => {
  it("a journey reply is another project's message like any other: 404", async () => {
    const p = await newProject();
    const other = await newProject();
    await createJourney(p.manager, "j", ["hello"]);
    const campaign = await broadcastCampaign(p.id, [{ text: "Go", type: "journey", journeyId: "j" }]);
    await deliverInbound(p.id, [buttonPress(campaign.id, 0, "Go")]);
    const [row] = await messageRows(p.id);
    expect(row).toBeDefined();
    expectError(await api("GET", `/v1/messages/${row?.id}`, { key: other.manager }), 404, "not_found");
  });
});
