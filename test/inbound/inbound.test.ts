import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { projectSnapshot } from "../../src/features/contacts/snapshot";
import { inboundConfig } from "../../src/features/inbound/handle";
import type { InboundConfig } from "../../src/features/inbound/parse";
import { handleWebhookEvent } from "../../src/features/webhooks/apply";
import { readConfig } from "../../src/platform/config";
import { createLogger } from "../../src/platform/log";
import { send, setup } from "../api-campaigns/api-send.helpers";
import { call, db, newProject } from "../helpers";
import { eventually } from "../messages/messages.helpers";
import {
  attachMetaAccount,
  buttonReply,
  contactRow,
  inbound,
  messagesValue,
  NUMBER,
  newWamid,
  payloadOf,
  postSigned,
  preference,
  preferencesValue,
  press,
  responseRows,
  sentMessage,
  text,
} from "./inbound.helpers";

const config = () => readConfig(env);

const optedOut = async (projectId: string, number = NUMBER) => {
  const row = await contactRow(projectId, number);
  return row === null ? null : row.opted_out === 1;
};

describe("configuration: OPT_OUT_KEYWORDS and OPT_IN_KEYWORDS", () => {
  const base = { ADMIN_TOKEN: "test-admin-token-0123456789", ENCRYPTION_KEY: env.ENCRYPTION_KEY };

  it("come from wrangler.toml as STOP, UNSUBSCRIBE and START", () => {
    expect(config().OPT_OUT_KEYWORDS).toEqual(["STOP", "UNSUBSCRIBE"]);
    expect(config().OPT_IN_KEYWORDS).toEqual(["START"]);
    // The events consumer reads the same configuration.
    expect(inboundConfig()).toMatchObject({ OPT_OUT_KEYWORDS: ["STOP", "UNSUBSCRIBE"], OPT_IN_KEYWORDS: ["START"] });
  });

  it("default to the same lists when unset", () => {
    const parsed = readConfig({ ...base } as unknown as Env);
    expect(parsed.OPT_OUT_KEYWORDS).toEqual(["STOP", "UNSUBSCRIBE"]);
    expect(parsed.OPT_IN_KEYWORDS).toEqual(["START"]);
  });

  it("are read as trimmed, upper-cased, de-duplicated comma-separated lists; empty means none", () => {
    const parsed = readConfig({
      ...base,
      OPT_OUT_KEYWORDS: " stop , Halt,,STOP ",
      OPT_IN_KEYWORDS: "",
    } as unknown as Env);
    expect(parsed.OPT_OUT_KEYWORDS).toEqual(["STOP", "HALT"]);
    expect(parsed.OPT_IN_KEYWORDS).toEqual([]);
  });
});

describe("handleInbound: opt-out keywords", () => {
  it.each(["STOP", "stop", " Unsubscribe ", "unsubscribe\n"])(
    "%j from an unknown number creates the contact, opted out",
    async (body) => {
      const p = await newProject();
      // The keyword is kept as a response too: every inbound message is (a reply within a day of
      // a delivery counts as the campaign's reply, quoting it or not).
      expect(await inbound(p.id, messagesValue([text(body)]))).toEqual({
        optChanges: 1,
        responsesStored: 1,
        unreadable: 0,
      });
      const contact = await call("GET", `/v1/contacts/${encodeURIComponent(NUMBER)}`, { key: p.manager });
      expect(contact.status).toBe(200);
      expect(contact.body).toMatchObject({
        number: NUMBER,
        name: null,
        source: null,
        tags: [],
        attributes: {},
        optedOut: true,
      });
      // It quotes no message of ours: kept unlinked, no campaign's response.
      expect((await responseRows(p.id)).map((r) => [r.kind, r.text, r.message_id, r.campaign_id, r.run_id])).toEqual([
        ["text", body, null, null, null],
      ]);
    },
  );

  it("opts out an existing contact and leaves the rest of it alone", async () => {
    const p = await newProject();
    await call("POST", "/v1/tags", { key: p.manager, body: { name: "vip" } });
    const created = await call("POST", "/v1/contacts", {
      key: p.manager,
      body: { number: NUMBER, name: "Asha", source: "crm", tags: ["vip"] },
    });
    expect(created.status).toBe(201);
    await inbound(p.id, messagesValue([text("Stop")]));
    const contact = await call("GET", `/v1/contacts/${encodeURIComponent(NUMBER)}`, { key: p.manager });
    expect(contact.body).toMatchObject({ name: "Asha", source: "crm", tags: ["vip"], optedOut: true });
  });

  it("START opts a contact back in", async () => {
    const p = await newProject();
    await call("POST", "/v1/contacts", { key: p.manager, body: { number: NUMBER, optedOut: true } });
    // Sent after the manager's change: an older START would not undo it.
    const later = Math.floor(Date.now() / 1000) + 1;
    expect(await inbound(p.id, messagesValue([text("start", { at: later })]))).toEqual({
      optChanges: 1,
      responsesStored: 1,
      unreadable: 0,
    });
    expect(await optedOut(p.id)).toBe(false);
  });

  it("START from an unknown number creates the contact, opted in", async () => {
    const p = await newProject();
    await inbound(p.id, messagesValue([text("START")]));
    expect(await optedOut(p.id)).toBe(false);
  });

  it.each(["stop please", "STOP!", "S T O P", "hello", "", "  "])(
    "the non-keyword text %j changes no opt-out, and only records when the sender last wrote",
    async (body) => {
      const p = await newProject();
      await call("POST", "/v1/contacts", { key: p.manager, body: { number: NUMBER, optedOut: false } });
      const before = await contactRow(p.id);
      const other = "+14155550123";
      const outcome = await inbound(p.id, messagesValue([text(body), text(body, { from: other.slice(1) })]));
      // Both texts are kept, unlinked: every inbound message is, to tell who replied.
      expect(outcome).toEqual({ optChanges: 0, responsesStored: 2, unreadable: 0 });
      // Issue 16: every sender becomes or updates a contact with the time of its last message
      // (WhatsApp's 24-hour window runs from it); before, nothing was recorded.
      expect(await contactRow(p.id)).toEqual({
        ...before,
        last_message_at: 1_700_000_000_000,
        updated_at: expect.any(Number),
      });
      expect(await contactRow(p.id, other)).toMatchObject({ opted_out: 0, last_message_at: 1_700_000_000_000 });
    },
  );

  it("applies a webhook's messages in order: STOP then START ends opted in", async () => {
    const p = await newProject();
    const outcome = await inbound(
      p.id,
      messagesValue([text("STOP", { at: 1_700_000_001 }), text("START", { at: 1_700_000_002 })]),
    );
    expect(outcome.optChanges).toBe(2);
    expect(await optedOut(p.id)).toBe(false);
  });

  it("a replayed STOP flips the flag to the same value and changes nothing else", async () => {
    const p = await newProject();
    const value = messagesValue([text("STOP")]);
    expect((await inbound(p.id, value)).optChanges).toBe(1);
    const first = await contactRow(p.id);
    expect(await inbound(p.id, value)).toEqual({ optChanges: 0, responsesStored: 0, unreadable: 0 });
    expect(await contactRow(p.id)).toEqual(first);
    expect(first?.opted_out).toBe(1);
  });

  it("never lets an older request replayed late undo a newer one", async () => {
    const p = await newProject();
    const stop = messagesValue([text("STOP", { at: 1_700_000_010 })]);
    const start = messagesValue([text("START", { at: 1_700_000_020 })]);
    await inbound(p.id, stop);
    await inbound(p.id, start);
    expect(await optedOut(p.id)).toBe(false);
    // Meta redelivers the STOP after the START was applied: the person's last word stands.
    expect((await inbound(p.id, stop)).optChanges).toBe(0);
    expect(await optedOut(p.id)).toBe(false);
    // Out of order from the start: the START arrives before the STOP it followed.
    const q = await newProject();
    await inbound(q.id, start);
    await inbound(q.id, stop);
    expect(await optedOut(q.id)).toBe(false);
  });

  it("uses the configured keywords, and a word in both lists opts out", async () => {
    const p = await newProject();
    const custom: InboundConfig = { OPT_OUT_KEYWORDS: ["ALTO", "BOTH"], OPT_IN_KEYWORDS: ["SIGA", "BOTH"] };
    await inbound(p.id, messagesValue([text("STOP")]), custom);
    // Not a keyword here: the sender is a contact (issue 16: every sender is), still opted in.
    expect(await optedOut(p.id)).toBe(false);
    await inbound(p.id, messagesValue([text("alto")]), custom);
    expect(await optedOut(p.id)).toBe(true);
    await inbound(p.id, messagesValue([text("Siga")]), custom);
    expect(await optedOut(p.id)).toBe(false);
    await inbound(p.id, messagesValue([text("both")]), custom);
    expect(await optedOut(p.id)).toBe(true);
  });

  it("skips a sender whose number cannot be read, and applies the rest", async () => {
    const p = await newProject();
    const outcome = await inbound(p.id, messagesValue([text("STOP", { from: "not-a-number" }), text("STOP")]));
    expect(outcome).toEqual({ optChanges: 1, responsesStored: 1, unreadable: 1 });
    expect(await optedOut(p.id)).toBe(true);
  });

  it("keeps opt-outs per project", async () => {
    const a = await newProject();
    const b = await newProject();
    await inbound(a.id, messagesValue([text("STOP")]));
    expect(await optedOut(a.id)).toBe(true);
    expect(await contactRow(b.id)).toBeNull();
  });

  it("makes the project's opt-out snapshot forget, so sends see the change at once", async () => {
    const p = await newProject();
    expect((await projectSnapshot(db(), p.id)).optedOut?.has(NUMBER)).toBe(false);
    await inbound(p.id, messagesValue([text("STOP")]));
    expect((await projectSnapshot(db(), p.id)).optedOut?.has(NUMBER)).toBe(true);
  });
});

describe("handleInbound: user_preferences", () => {
  it("marketing stop opts out (creating the contact), resume opts back in", async () => {
    const p = await newProject();
    expect(await inbound(p.id, preferencesValue([preference("stop")]))).toEqual({
      optChanges: 1,
      responsesStored: 0,
      unreadable: 0,
    });
    expect(await optedOut(p.id)).toBe(true);
    expect(await inbound(p.id, preferencesValue([preference("resume")]))).toEqual({
      optChanges: 1,
      responsesStored: 0,
      unreadable: 0,
    });
    expect(await optedOut(p.id)).toBe(false);
  });

  it("a replayed stop changes nothing", async () => {
    const p = await newProject();
    await inbound(p.id, preferencesValue([preference("stop")]));
    const first = await contactRow(p.id);
    expect((await inbound(p.id, preferencesValue([preference("stop")]))).optChanges).toBe(0);
    expect(await contactRow(p.id)).toEqual(first);
  });

  it("ignores other categories, other values and unreadable numbers", async () => {
    const p = await newProject();
    const outcome = await inbound(
      p.id,
      preferencesValue([
        preference("stop", undefined, "offers_and_announcements"),
        { ...preference("stop"), value: "interested" as "stop" },
        preference("stop", "abc"),
      ]),
    );
    expect(outcome).toEqual({ optChanges: 0, responsesStored: 0, unreadable: 1 });
    expect(await contactRow(p.id)).toBeNull();
  });
});

describe("handleInbound: campaign responses", () => {
  it("stores a quick-reply press linked to our message, its campaign and run", async () => {
    const p = await newProject();
    const ours = await sentMessage(p.id, { campaignId: "cmp_inbound_test", runId: "run_1" });
    const id = newWamid();
    const outcome = await inbound(
      p.id,
      messagesValue([press("YES_PLEASE", "Yes, please", { id, context: ours.wamid, at: 1_700_000_123 })]),
    );
    expect(outcome).toEqual({ optChanges: 0, responsesStored: 1, unreadable: 0 });
    expect(await responseRows(p.id)).toEqual([
      {
        number: NUMBER,
        message_id: ours.id,
        campaign_id: "cmp_inbound_test",
        run_id: "run_1",
        wamid: id,
        kind: "button",
        payload: "YES_PLEASE",
        text: "Yes, please",
        received_at: 1_700_000_123_000,
      },
    ]);
    // A press is a response, not an opt-out: the presser becomes a contact with the time of the
    // press (issue 16: every sender does), still opted in.
    expect(await contactRow(p.id)).toMatchObject({ opted_out: 0, last_message_at: 1_700_000_123_000 });
  });

  it("stores a press quoting an unknown wamid, or quoting nothing, unlinked", async () => {
    const p = await newProject();
    const unknown = newWamid();
    const bare = newWamid();
    await inbound(
      p.id,
      messagesValue([press("NO", "No", { id: unknown, context: "wamid.nobody" }), press("NO", "No", { id: bare })]),
    );
    const rows = await responseRows(p.id);
    expect(rows.map((r) => [r.wamid, r.kind, r.message_id, r.campaign_id, r.run_id])).toEqual([
      [unknown, "button", null, null, null],
      [bare, "button", null, null, null],
    ]);
  });

  it("does not link a press to another project's message", async () => {
    const a = await newProject();
    const b = await newProject();
    const theirs = await sentMessage(a.id, { campaignId: "cmp_a" });
    await inbound(b.id, messagesValue([press("YES", "Yes", { context: theirs.wamid })]));
    const rows = await responseRows(b.id);
    expect(rows.map((r) => [r.message_id, r.campaign_id])).toEqual([[null, null]]);
    expect(await responseRows(a.id)).toEqual([]);
  });

  it("stores an interactive button reply with its id and title", async () => {
    const p = await newProject();
    const ours = await sentMessage(p.id, { campaignId: "cmp_interactive" });
    const id = newWamid();
    await inbound(p.id, messagesValue([buttonReply("change-order", "Change", { id, context: ours.wamid })]));
    expect(await responseRows(p.id)).toEqual([
      {
        number: NUMBER,
        message_id: ours.id,
        campaign_id: "cmp_interactive",
        run_id: null,
        wamid: id,
        kind: "interactive",
        payload: "change-order",
        text: "Change",
        received_at: 1_700_000_000_000,
      },
    ]);
  });

  it("stores a text reply linked when it quotes one of our messages, unlinked otherwise", async () => {
    const p = await newProject();
    const ours = await sentMessage(p.id, { campaignId: "cmp_text" });
    const reply = newWamid();
    const outcome = await inbound(
      p.id,
      messagesValue([
        text("Which sizes do you have?", { id: reply, context: ours.wamid }),
        text("Hello?", { context: "wamid.unknown" }),
        text("Anyone there?"),
      ]),
    );
    // Before, the two unlinked texts were dropped; now they are kept (without a message, campaign
    // or run) so that a reply within a day of a delivery counts, quoting it or not.
    expect(outcome).toEqual({ optChanges: 0, responsesStored: 3, unreadable: 0 });
    const unlinked = { number: NUMBER, message_id: null, campaign_id: null, run_id: null, kind: "text", payload: null };
    expect(await responseRows(p.id)).toEqual([
      {
        number: NUMBER,
        message_id: ours.id,
        campaign_id: "cmp_text",
        run_id: null,
        wamid: reply,
        kind: "text",
        payload: null,
        text: "Which sizes do you have?",
        received_at: 1_700_000_000_000,
      },
      { ...unlinked, wamid: expect.any(String), text: "Hello?", received_at: 1_700_000_000_000 },
      { ...unlinked, wamid: expect.any(String), text: "Anyone there?", received_at: 1_700_000_000_000 },
    ]);
  });

  it("a STOP quoting our message opts out and is kept as that message's response", async () => {
    const p = await newProject();
    const ours = await sentMessage(p.id, { campaignId: "cmp_stop" });
    expect(await inbound(p.id, messagesValue([text("STOP", { context: ours.wamid })]))).toEqual({
      optChanges: 1,
      responsesStored: 1,
      unreadable: 0,
    });
    expect(await optedOut(p.id)).toBe(true);
    expect((await responseRows(p.id)).map((r) => [r.kind, r.text, r.message_id])).toEqual([["text", "STOP", ours.id]]);
  });

  it("a replayed webhook stores each response once", async () => {
    const p = await newProject();
    const ours = await sentMessage(p.id, { campaignId: "cmp_replay" });
    const value = messagesValue([
      press("YES", "Yes", { context: ours.wamid }),
      text("Thanks!", { context: ours.wamid }),
      buttonReply("b1", "One", { context: ours.wamid }),
    ]);
    expect((await inbound(p.id, value)).responsesStored).toBe(3);
    expect((await inbound(p.id, value)).responsesStored).toBe(0);
    expect((await inbound(p.id, value)).responsesStored).toBe(0);
    expect((await responseRows(p.id)).map((r) => r.kind)).toEqual(["button", "text", "interactive"]);
  });

  it("stores images, reactions and Flow replies answering our message as its responses (issue 16; before, they were ignored)", async () => {
    const p = await newProject();
    const ours = await sentMessage(p.id, { campaignId: "cmp_other" });
    const base = { from: NUMBER.slice(1), timestamp: "1700000000", context: { id: ours.wamid } };
    const outcome = await inbound(
      p.id,
      messagesValue([
        { ...base, id: newWamid(), type: "image", image: { id: "media-1", mime_type: "image/jpeg" } },
        { ...base, id: newWamid(), type: "reaction", reaction: { message_id: ours.wamid, emoji: "👍" } },
        { ...base, id: newWamid(), type: "interactive", interactive: { type: "nfm_reply", nfm_reply: {} } },
      ]),
    );
    expect(outcome).toEqual({ optChanges: 0, responsesStored: 3, unreadable: 0 });
    expect((await responseRows(p.id)).map((r) => [r.kind, r.payload, r.text, r.message_id, r.campaign_id])).toEqual([
      ["media", "media-1", null, ours.id, "cmp_other"],
      ["reaction", null, "👍", ours.id, "cmp_other"],
      ["interactive", null, null, ours.id, "cmp_other"],
    ]);
  });

  it("keeps a message that answers nothing of ours unlinked, and records the sender", async () => {
    const p = await newProject();
    const base = { from: NUMBER.slice(1), timestamp: "1700000000" };
    const outcome = await inbound(
      p.id,
      messagesValue([
        { ...base, id: newWamid(), type: "image", image: { id: "media-1" } },
        { ...base, id: newWamid(), type: "reaction", reaction: { message_id: "wamid.not-ours", emoji: "👍" } },
        { ...base, id: newWamid(), type: "unsupported", errors: [{ code: 131051, title: "Message type unknown" }] },
      ]),
    );
    // Before, none was kept; now the image and the reaction are (no campaign's response, but they
    // tell that the person wrote). An unsupported message has nothing to keep.
    expect(outcome).toEqual({ optChanges: 0, responsesStored: 2, unreadable: 0 });
    expect((await responseRows(p.id)).map((r) => [r.kind, r.payload, r.text, r.message_id, r.campaign_id])).toEqual([
      ["media", "media-1", null, null, null],
      ["reaction", null, "👍", null, null],
    ]);
    expect(await contactRow(p.id)).toMatchObject({ opted_out: 0, last_message_at: 1_700_000_000_000 });
  });
});

describe("events consumer dispatch", () => {
  const log = createLogger({ test: "inbound" }, "error");

  it("hands `messages` changes with messages and `user_preferences` changes to the inbound handler", async () => {
    const p = await newProject();
    const ours = await sentMessage(p.id, { campaignId: "cmp_dispatch" });
    await handleWebhookEvent(
      db(),
      {
        kind: "whatsapp-webhook",
        source: "meta",
        projectId: p.id,
        receivedAt: 0,
        payload: payloadOf("waba", "messages", messagesValue([press("YES", "Yes", { context: ours.wamid })])),
      },
      log,
    );
    expect((await responseRows(p.id)).map((r) => [r.kind, r.message_id])).toEqual([["button", ours.id]]);
    await handleWebhookEvent(
      db(),
      {
        kind: "whatsapp-webhook",
        source: "meta",
        projectId: p.id,
        receivedAt: 0,
        payload: payloadOf("waba", "user_preferences", preferencesValue([preference("stop")])),
      },
      log,
    );
    expect(await optedOut(p.id)).toBe(true);
  });

  it("leaves messages in changes of other fields alone", async () => {
    const p = await newProject();
    await handleWebhookEvent(
      db(),
      {
        kind: "whatsapp-webhook",
        source: "meta",
        projectId: p.id,
        receivedAt: 0,
        payload: payloadOf("waba", "something_else", messagesValue([text("STOP")])),
      },
      log,
    );
    expect(await contactRow(p.id)).toBeNull();
  });
});

describe("the whole path: signed webhook → events queue → opted out → MARKETING send skipped", {
  timeout: 30_000,
}, () => {
  const promo = { category: "MARKETING", name: "promo", body: { text: "Hi {{1}}, sale ends {{2}} tonight." } };
  const sendTo = (s: Awaited<ReturnType<typeof setup>>, destination: string) =>
    send({
      apiKey: s.sender,
      campaignName: s.campaignName,
      destination,
      userName: "Asha",
      templateParams: ["Asha", "Friday"],
    });

  it("a STOP text", async () => {
    const s = await setup(promo);
    const account = await attachMetaAccount(s.id);
    // Load the project's opt-out snapshot first (a skipped send to someone already opted out sends
    // nothing), so the answer below shows that the consumer made this isolate forget it.
    const earlier = "+917428526200";
    await call("POST", "/v1/contacts", { key: s.manager, body: { number: earlier, optedOut: true } });
    expect((await sendTo(s, earlier)).body).toMatchObject({ status: "skipped" });

    const posted = await postSigned(
      account.appSecret,
      payloadOf(account.wabaId, "messages", messagesValue([text("Stop")], account.phoneNumberId)),
    );
    expect(posted).toEqual({ status: 200, body: { received: 1 } });
    await eventually(
      () => call("GET", `/v1/contacts/${encodeURIComponent(NUMBER)}`, { key: s.manager }),
      (r) => r.status === 200 && r.body.optedOut === true,
    );

    const result = await sendTo(s, NUMBER);
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({
      success: true,
      status: "skipped",
      skipReason: "opted_out",
      destination: NUMBER,
    });
  });

  it("a user_preferences stop, then resume", async () => {
    const s = await setup(promo);
    const account = await attachMetaAccount(s.id);
    const stop = await postSigned(
      account.appSecret,
      payloadOf(account.wabaId, "user_preferences", preferencesValue([preference("stop")], account.phoneNumberId)),
    );
    expect(stop).toEqual({ status: 200, body: { received: 1 } });
    await eventually(
      () => optedOut(s.id),
      (v) => v === true,
    );
    expect((await sendTo(s, NUMBER)).body).toMatchObject({ status: "skipped", skipReason: "opted_out" });

    const resume = await postSigned(
      account.appSecret,
      payloadOf(account.wabaId, "user_preferences", preferencesValue([preference("resume")], account.phoneNumberId)),
    );
    expect(resume).toEqual({ status: 200, body: { received: 1 } });
    await eventually(
      () => optedOut(s.id),
      (v) => v === false,
    );
  });

  it("an unsigned inbound webhook changes nothing", async () => {
    const s = await setup(promo);
    const account = await attachMetaAccount(s.id);
    const result = await postSigned(
      "not-the-app-secret",
      payloadOf(account.wabaId, "messages", messagesValue([text("STOP")], account.phoneNumberId)),
    );
    expect(result.status).toBe(401);
    expect(await contactRow(s.id)).toBeNull();
  });
});
