import { describe, expect, it } from "vitest";
import { encodeCallback } from "../../src/whatsapp/message-ref";
import { call } from "../helpers";
import { NUMBER, newWamid } from "../inbound/inbound.helpers";
import { eventually, getMessage } from "../messages/messages.helpers";
import { contactByUserId, contactOf, corpusProject, sendingMessage } from "./corpus.helpers";

// The corpus's statuses, user preferences, a field the product does not use, and mixed POSTs
// where a readable change travels beside an unreadable one, each read back through the API.

const statusOf = (key: string, id: string, status: string) =>
  eventually(
    () => getMessage(key, id),
    (r) => r.body.status === status,
  );

interface Letter {
  id: string;
  projectId: string | null;
  kind: string;
  attempts: number;
  reason: string;
  body: { payload: unknown };
  replayedAt: string | null;
}

/** The project's dead letters, through the operator API, once there are `count`. */
async function lettersOf(projectId: string, count: number) {
  const page = await eventually(
    () => call("GET", `/v1/admin/dead-letters?projectId=${projectId}`, { admin: true }),
    (r) => r.status === 200 && r.body.data.length >= count,
  );
  return page.body.data as Letter[];
}

describe("webhook corpus: statuses", { timeout: 60_000 }, () => {
  it("statuses-sent: moves the message found by its callback data, pricing and conversation read past", async () => {
    const s = await corpusProject();
    const wamid = newWamid("out");
    const id = await sendingMessage(s.id, wamid, s.campaignId);
    await s.post("statuses-sent", {
      STATUS_WAMID: wamid,
      CALLBACK_DATA: encodeCallback({ messageId: id, campaignId: s.campaignId, runId: null }),
    });
    const done = await statusOf(s.manager, id, "sent");
    expect(done.body.sentAt).toBe("2025-12-01T05:20:00.000Z");
  });

  it("statuses-delivered-read-out-of-order: ends read, each state once, timestamps as number or string", async () => {
    const s = await corpusProject();
    const wamid = newWamid("out");
    const id = await sendingMessage(s.id, wamid);
    await s.post("statuses-delivered-read-out-of-order", { STATUS_WAMID: wamid });
    const done = await statusOf(s.manager, id, "read");
    expect(done.body.readAt).toBe("2025-12-01T05:21:00.000Z");
    const states = done.body.history.map((h: { status: string }) => h.status);
    expect(states.filter((x: string) => x === "read")).toHaveLength(1);
    expect(states).toContain("delivered");
  });

  it("statuses-failed: the message fails with Meta's code, title and details", async () => {
    const s = await corpusProject();
    const wamid = newWamid("out");
    const id = await sendingMessage(s.id, wamid);
    await s.post("statuses-failed", { STATUS_WAMID: wamid });
    const done = await statusOf(s.manager, id, "failed");
    expect(done.body.error).toMatchObject({
      code: 131026,
      title: "Message undeliverable",
      message: "Message Undeliverable.",
    });
  });

  it("statuses-bsuid: applied by wamid with or without a number; the number's contact gets the user id", async () => {
    const s = await corpusProject();
    await call("POST", "/v1/contacts", { key: s.manager, body: { number: NUMBER, name: "Sheena" } });
    const [wamid, other] = [newWamid("out"), newWamid("out")];
    const id = await sendingMessage(s.id, wamid);
    const otherId = await sendingMessage(s.id, other);
    const userId = `US.${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
    await s.post("statuses-bsuid", {
      STATUS_WAMID: wamid,
      OTHER_STATUS_WAMID: other,
      USER_ID: userId,
      OTHER_USER_ID: `US.${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`,
    });
    await statusOf(s.manager, id, "delivered");
    await statusOf(s.manager, otherId, "delivered");
    expect(await contactOf(s.manager, NUMBER, (c) => c.userId === userId)).toMatchObject({ name: "Sheena" });
  });
});

describe("webhook corpus: user preferences", { timeout: 60_000 }, () => {
  it("user-preferences-stop, then -resume: the contact opts out, then back in", async () => {
    const s = await corpusProject();
    expect(await s.post("user-preferences-stop")).toEqual({ received: 1 });
    const stopped = await contactOf(s.manager, NUMBER, (c) => c.optedOut === true);
    // A preference is no message: it opens no 24-hour window.
    expect(stopped.lastMessageAt).toBeUndefined();
    await s.post("user-preferences-resume");
    await contactOf(s.manager, NUMBER, (c) => c.optedOut === false);
  });

  it("user-preferences-bsuid-stop: opts out the contact Meta names by user id alone", async () => {
    const s = await corpusProject();
    const userId = `US.${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
    await s.post("user-preferences-bsuid-stop", { USER_ID: userId });
    expect(await contactByUserId(s.manager, userId, (c) => c.optedOut === true)).toMatchObject({ number: userId });
  });
});

describe("webhook corpus: fields the product does not use", { timeout: 60_000 }, () => {
  it("unused-smb-message-echoes: acknowledged, counted per project and field, never an error", async () => {
    const s = await corpusProject();
    expect(await s.post("unused-smb-message-echoes")).toEqual({ received: 1 });
    expect(await s.post("unused-smb-message-echoes")).toEqual({ received: 1 });
    const counted = await eventually(
      () => call("GET", `/v1/admin/webhook-fields?projectId=${s.id}`, { admin: true }),
      (r) => r.status === 200 && r.body.data[0]?.count === 2,
    );
    expect(counted.body).toEqual({
      data: [{ projectId: s.id, field: "smb_message_echoes", count: 2, lastAt: expect.any(String) }],
    });
    expect(await lettersOfNone(s.id)).toEqual([]);
  });
});

describe("webhook corpus: mixed POSTs", { timeout: 60_000 }, () => {
  it("mixed-status-and-unreadable-message: the status applied, 200, the unreadable message kept and replayable", async () => {
    const s = await corpusProject();
    const wamid = newWamid("out");
    const id = await sendingMessage(s.id, wamid);
    expect(await s.post("mixed-status-and-unreadable-message", { STATUS_WAMID: wamid })).toEqual({ received: 2 });
    await statusOf(s.manager, id, "delivered");
    const [letter] = await lettersOf(s.id, 1);
    expect(letter).toMatchObject({
      projectId: s.id,
      kind: "whatsapp-webhook",
      attempts: 0,
      reason: "unreadable `messages` change: messages[0] id: Invalid input: expected string, received undefined",
      replayedAt: null,
    });
    // The letter keeps the message alone, in its change: the status is not in it.
    expect(JSON.stringify(letter?.body.payload)).not.toContain(wamid);
    expect(JSON.stringify(letter?.body.payload)).toContain('"type":"text"');
    // The STOP it carries was not applied, since it could not be read; replaying it (before a fix)
    // puts it back on the queue, where it is kept again.
    const replayed = await call("POST", `/v1/admin/dead-letters/${letter?.id}/replay`, { admin: true });
    expect(replayed.status).toBe(200);
    const again = await lettersOf(s.id, 2);
    expect(again.map((l) => l.replayedAt === null)).toEqual([false, true]);
    expect((await call("GET", `/v1/contacts/${encodeURIComponent(NUMBER)}`, { key: s.manager })).status).toBe(404);
  });

  it("mixed-unreadable-status-beside-readable: both readable statuses applied, the unreadable one kept", async () => {
    const s = await corpusProject();
    const [wamid, other] = [newWamid("out"), newWamid("out")];
    const id = await sendingMessage(s.id, wamid);
    const otherId = await sendingMessage(s.id, other);
    expect(
      await s.post("mixed-unreadable-status-beside-readable", { STATUS_WAMID: wamid, OTHER_STATUS_WAMID: other }),
    ).toEqual({
      received: 1,
    });
    await statusOf(s.manager, id, "delivered");
    await statusOf(s.manager, otherId, "read");
    const [letter] = await lettersOf(s.id, 1);
    expect(letter?.reason).toBe(
      "unreadable `messages` change: statuses[1] id: Invalid input: expected string, received undefined",
    );
  });
});

/** The project's dead letters now (none expected). */
async function lettersOfNone(projectId: string) {
  const page = await call("GET", `/v1/admin/dead-letters?projectId=${projectId}`, { admin: true });
  return page.body.data as Letter[];
}
