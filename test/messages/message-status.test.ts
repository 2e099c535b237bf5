import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { applyStatus, canMove } from "../../src/features/messages/status";
import { encodeCallback } from "../../src/whatsapp/message-ref";
import { db, newProject } from "../helpers";
import { historyStatuses, insertQueuedMessage, messageRow, templateMessage } from "./messages.helpers";

async function newMessage(projectId: string) {
  return insertQueuedMessage(db(), {
    projectId,
    number: "+917428526285",
    templateId: null,
    payload: templateMessage("+917428526285"),
  });
}

const history = historyStatuses;

describe("canMove", () => {
  it.each([
    ["queued", "sent", true],
    ["sending", "delivered", true],
    ["sent", "read", true],
    ["read", "delivered", false],
    ["delivered", "sent", false],
    ["sent", "sent", false],
    ["sent", "failed", true],
    ["delivered", "failed", false],
    ["failed", "read", false],
    ["skipped", "sent", false],
  ] as const)("%s → %s: %s", (from, to, expected) => {
    expect(canMove(from, to)).toBe(expected);
  });
});

describe("applyStatus", () => {
  it("classifies a failure Meta reports by webhook by its code, so a run's retry knows whether to re-send", async () => {
    const p = await newProject();
    const cases = [
      [131000, "retryable"], // something went wrong
      [131026, "permanent"], // not on WhatsApp
      [131047, "permanent"], // outside the 24-hour window
      [999_999, "permanent"], // a code nobody documents: never re-sent blindly
    ] as const;
    for (const [code, errorClass] of cases) {
      const id = await newMessage(p.id);
      await applyStatus(db(), { projectId: p.id, messageId: id }, { status: "sent", at: 1_000 });
      await applyStatus(
        db(),
        { projectId: p.id, messageId: id },
        { status: "failed", at: 2_000, error: { code, title: "t", message: "m" } },
      );
      expect((await messageRow(id))?.error_class, String(code)).toBe(errorClass);
    }
  });

  it("applies shuffled and duplicated statuses once each, ending at read", async () => {
    const p = await newProject();
    const id = await newMessage(p.id);
    const changes = [
      { status: "delivered", at: 2_000 },
      { status: "sent", at: 1_000 },
      { status: "read", at: 3_000 },
      { status: "delivered", at: 2_000 },
      { status: "sent", at: 1_000 },
      { status: "read", at: 3_000 },
    ] as const;
    const transitions = [];
    for (const change of changes) transitions.push(await applyStatus(db(), { projectId: p.id, messageId: id }, change));
    expect(transitions.map((t) => t && `${t.from}→${t.to}`)).toEqual([
      "queued→delivered",
      null,
      "delivered→read",
      null,
      null,
      null,
    ]);
    expect(await messageRow(id)).toMatchObject({ status: "read", delivered_at: 2_000, read_at: 3_000, sent_at: 2_000 });
    expect(await history(id)).toEqual(["queued", "delivered", "read"]);
  });

  it("counts a read without a delivered as delivered too", async () => {
    const p = await newProject();
    const id = await newMessage(p.id);
    await applyStatus(db(), { projectId: p.id, messageId: id }, { status: "read", at: 5_000 });
    expect(await messageRow(id)).toMatchObject({ status: "read", delivered_at: 5_000, read_at: 5_000 });
  });

  it("keeps Meta's error on a failed status and ignores later progress", async () => {
    const p = await newProject();
    const id = await newMessage(p.id);
    const error = { code: 131026, title: "Message undeliverable", message: "not on WhatsApp" };
    const failed = await applyStatus(db(), { projectId: p.id, messageId: id }, { status: "failed", at: 1, error });
    expect(failed).toMatchObject({ from: "queued", to: "failed", error });
    expect(await applyStatus(db(), { projectId: p.id, messageId: id }, { status: "delivered", at: 2 })).toBeNull();
    expect(await messageRow(id)).toMatchObject({
      status: "failed",
      error_code: 131026,
      error_title: "Message undeliverable",
      error_message: "not on WhatsApp",
      delivered_at: null,
    });
  });

  it("never fails a message that was already delivered", async () => {
    const p = await newProject();
    const id = await newMessage(p.id);
    await applyStatus(db(), { projectId: p.id, messageId: id }, { status: "delivered", at: 1 });
    const late = await applyStatus(
      db(),
      { projectId: p.id, messageId: id },
      { status: "failed", at: 2, error: { code: 131000, title: "x", message: "x" } },
    );
    expect(late).toBeNull();
    expect((await messageRow(id))?.status).toBe("delivered");
  });

  it("finds a message by wamid when there is no callback data, within its project only", async () => {
    const p = await newProject();
    const other = await newProject();
    const id = await newMessage(p.id);
    await env.DB.prepare("UPDATE messages SET wamid = 'wamid.ABC' WHERE id = ?").bind(id).run();
    expect(await applyStatus(db(), { projectId: other.id, wamid: "wamid.ABC" }, { status: "sent", at: 1 })).toBeNull();
    expect(await applyStatus(db(), { projectId: p.id, wamid: "wamid.ABC" }, { status: "sent", at: 1 })).toMatchObject({
      messageId: id,
      to: "sent",
    });
  });

  it("applies each of 10 concurrent identical statuses exactly once", async () => {
    const p = await newProject();
    const id = await newMessage(p.id);
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        applyStatus(db(), { projectId: p.id, messageId: id }, { status: "delivered", at: 7 }),
      ),
    );
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    expect(await history(id)).toEqual(["queued", "delivered"]);
  });

  it("encodes message, campaign and run into the callback data", () => {
    expect(encodeCallback({ messageId: "msg_1", campaignId: "cmp_2", runId: null })).toBe("msg_1|cmp_2|");
  });
});
