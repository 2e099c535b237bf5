import { describe, expect, it } from "vitest";
import { call } from "../helpers";
import { NUMBER, sentMessage } from "../inbound/inbound.helpers";
import { eventually } from "../messages/messages.helpers";
import {
  contactByUserId,
  contactOf,
  corpusNames,
  corpusProject,
  corpusSource,
  FIXTURE_TIME,
  responsesOf,
} from "./corpus.helpers";

// Every `messages` payload of the corpus, POSTed signed as Meta sends it, with its effect read back
// through the API: the sender's contact (with the time of its last message) and, for a message
// answering one of a campaign's messages, the campaign's response.

describe("webhook corpus: messages", { timeout: 60_000 }, () => {
  it("names the documentation page each fixture follows", () => {
    expect(corpusNames()).toHaveLength(30);
    for (const name of corpusNames()) {
      const { source, note } = corpusSource(name);
      expect(source, name).toMatch(
        /^https:\/\/developers\.facebook\.com\/documentation\/business-messaging\/whatsapp\//,
      );
      expect(note.length, name).toBeGreaterThan(20);
    }
  });

  // A message quoting (or reacting to) a campaign message is that campaign's response.
  it.each([
    ["messages-text", { kind: "text", payload: null, text: "Which sizes do you have?" }],
    ["messages-button", { kind: "button", payload: "YES_PLEASE", text: "Yes, please" }],
    ["messages-interactive-button-reply", { kind: "interactive", payload: "size-m", text: "Medium" }],
    ["messages-interactive-list-reply", { kind: "interactive", payload: "slot-9", text: "9:00" }],
    [
      "messages-interactive-nfm-reply",
      { kind: "interactive", payload: '{"flow_token":"f-1","size":"M"}', text: "Sent" },
    ],
    ["messages-reaction", { kind: "reaction", payload: null, text: "👍" }],
    ["messages-image", { kind: "media", payload: "1003383421387256", text: "This one?" }],
    ["messages-video", { kind: "media", payload: "1184136849820137", text: "How it fits" }],
    ["messages-audio", { kind: "media", payload: "1003383421387257", text: null }],
    ["messages-document", { kind: "media", payload: "1003383421387258", text: "My order" }],
    ["messages-sticker", { kind: "media", payload: "1003383421387259", text: null }],
    [
      "messages-location",
      { kind: "location", payload: "37.483307,122.148981", text: "Main store, 1 Hacker Way, Menlo Park, CA 94025" },
    ],
    ["messages-contacts", { kind: "contacts", payload: null, text: "Barbara J. Johnson" }],
    ["messages-order", { kind: "order", payload: "194836987003835", text: "Two please" }],
  ])(
    "%s: recorded as the campaign's response; the sender is a contact with its last message time",
    async (name, expected) => {
      const s = await corpusProject();
      const ours = await sentMessage(s.id, { campaignId: s.campaignId });
      expect(await s.post(name, { CONTEXT_WAMID: ours.wamid })).toEqual({ received: 1 });
      expect(await responsesOf(s.manager, s.campaignId)).toEqual([
        { number: NUMBER, ...expected, messageId: ours.id, runId: null, receivedAt: FIXTURE_TIME },
      ]);
      expect(await contactOf(s.manager, NUMBER, (c) => c.lastMessageAt !== undefined)).toMatchObject({
        number: NUMBER,
        optedOut: false,
        lastMessageAt: FIXTURE_TIME,
      });
    },
  );

  it("messages-text quoting nothing of ours: no response, the sender still a contact", async () => {
    const s = await corpusProject();
    await s.post("messages-text", { CONTEXT_WAMID: "wamid.not-ours" });
    expect(await contactOf(s.manager, NUMBER, (c) => c.lastMessageAt === FIXTURE_TIME)).toMatchObject({
      optedOut: false,
    });
    expect((await call("GET", `/v1/campaigns/${s.campaignId}/responses`, { key: s.manager })).body.data).toEqual([]);
  });

  it("messages-text-stop: opts the sender out", async () => {
    const s = await corpusProject();
    await s.post("messages-text-stop");
    expect(await contactOf(s.manager, NUMBER, (c) => c.optedOut === true)).toMatchObject({
      lastMessageAt: FIXTURE_TIME,
    });
  });

  it("messages-unsupported: acknowledged; the sender's last message time is recorded", async () => {
    const s = await corpusProject();
    expect(await s.post("messages-unsupported")).toEqual({ received: 1 });
    expect(await contactOf(s.manager, NUMBER, (c) => c.lastMessageAt === FIXTURE_TIME)).toMatchObject({
      optedOut: false,
    });
  });

  it("messages-system-user-changed-number: the contact moves with its tags, opt-out and responses", async () => {
    const s = await corpusProject();
    const created = await call("POST", "/v1/contacts", {
      key: s.manager,
      body: { number: NUMBER, name: "Sheena", tags: ["vip"], optedOut: true },
    });
    expect(created.status).toBe(201);
    const ours = await sentMessage(s.id, { campaignId: s.campaignId });
    await s.post("messages-button", { CONTEXT_WAMID: ours.wamid });
    await responsesOf(s.manager, s.campaignId);
    const newNumber = "+14155550199";
    await s.post("messages-system-user-changed-number", { NEW_WA_ID: newNumber.slice(1) });
    const moved = await contactOf(s.manager, newNumber, () => true);
    expect(moved).toMatchObject({ number: newNumber, name: "Sheena", tags: ["vip"], optedOut: true });
    expect((await call("GET", `/v1/contacts/${encodeURIComponent(NUMBER)}`, { key: s.manager })).status).toBe(404);
    expect((await responsesOf(s.manager, s.campaignId)).map((r) => r.number)).toEqual([newNumber]);
  });

  it("messages-system-user-changed-number onto a number that has a contact: it takes the newer opt-out", async () => {
    const s = await corpusProject();
    const newNumber = "+14155550198";
    await call("POST", "/v1/contacts", { key: s.manager, body: { number: newNumber, name: "New" } });
    await s.post("messages-text-stop");
    await contactOf(s.manager, NUMBER, (c) => c.optedOut === true);
    await s.post("messages-system-user-changed-number", { NEW_WA_ID: newNumber.slice(1) });
    expect(await contactOf(s.manager, newNumber, (c) => c.optedOut === true)).toMatchObject({ name: "New" });
  });

  it("messages-system-user-changed-user-id: the contact known by the old user id takes the new one", async () => {
    const s = await corpusProject();
    const [previous, next] = [1, 2].map(() => `US.${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`);
    await s.post("messages-bsuid-only", { USER_ID: previous as string });
    await contactByUserId(s.manager, previous as string, (c) => c.optedOut === true);
    expect(
      await s.post("messages-system-user-changed-user-id", {
        USER_ID: next as string,
        PREVIOUS_USER_ID: previous as string,
      }),
    ).toEqual({ received: 1 });
    expect(await contactByUserId(s.manager, next as string, () => true)).toMatchObject({
      number: next,
      userId: next,
      optedOut: true,
    });
    expect((await call("GET", `/v1/contacts?userId=${previous}`, { key: s.manager })).body.data).toEqual([]);
  });

  it("messages-bsuid-only: a person known by their business-scoped user id alone is a contact, and opts out", async () => {
    const s = await corpusProject();
    const userId = `US.${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
    expect(await s.post("messages-bsuid-only", { USER_ID: userId })).toEqual({ received: 1 });
    expect(await contactByUserId(s.manager, userId, (c) => c.optedOut === true)).toMatchObject({
      number: userId,
      userId,
      lastMessageAt: FIXTURE_TIME,
    });
  });

  it("messages-bsuid-with-number: links the user id to the number's contact, folding in the one known by the id", async () => {
    const s = await corpusProject();
    const userId = `US.${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
    await call("POST", "/v1/contacts", { key: s.manager, body: { number: NUMBER, name: "Sheena" } });
    // First a STOP by the user id alone, then a press naming both: one contact, opted out.
    await s.post("messages-bsuid-only", { USER_ID: userId });
    await contactByUserId(s.manager, userId, (c) => c.optedOut === true);
    const ours = await sentMessage(s.id, { campaignId: s.campaignId });
    await s.post("messages-bsuid-with-number", { USER_ID: userId, CONTEXT_WAMID: ours.wamid });
    const linked = await contactByUserId(s.manager, userId, (c) => c.number === NUMBER);
    expect(linked).toMatchObject({ number: NUMBER, name: "Sheena", userId, optedOut: true });
    const all = await call("GET", "/v1/contacts", { key: s.manager });
    expect(all.body.data.map((c: { number: string }) => c.number)).toEqual([NUMBER]);
    expect(await responsesOf(s.manager, s.campaignId)).toMatchObject([
      { number: NUMBER, kind: "button", payload: "YES_PLEASE", messageId: ours.id },
    ]);
  });

  it("messages-bsuid-with-number for a new person: one contact with both ids", async () => {
    const s = await corpusProject();
    const userId = `US.${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
    const ours = await sentMessage(s.id, { campaignId: s.campaignId });
    await s.post("messages-bsuid-with-number", { USER_ID: userId, CONTEXT_WAMID: ours.wamid });
    expect(await contactOf(s.manager, NUMBER, (c) => c.userId === userId)).toMatchObject({
      optedOut: false,
      lastMessageAt: FIXTURE_TIME,
    });
    // Meta's press named the campaign's message: the response is the campaign's.
    await eventually(
      () => responsesOf(s.manager, s.campaignId),
      (rows) => rows.length === 1,
    );
  });
});
