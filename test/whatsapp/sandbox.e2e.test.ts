import { describe, expect, it } from "vitest";
import { SANDBOX_DELAYS, SANDBOX_OUTCOMES } from "../../src/whatsapp/sandbox";
import { expectError, newProject } from "../helpers";
import { eventually, getMessage, queueMessage, recordingSandbox, templateMessage } from "../messages/messages.helpers";

/** The statuses the sandbox schedules for a recipient, read off a recording queue. */
async function plan(to: string, category: "MARKETING" | "UTILITY" = "UTILITY") {
  const { sandbox, sent } = recordingSandbox();
  const result = await sandbox.sendTemplate({ ...templateMessage(to, category), callbackData: "msg_1||" });
  expect(result.ok).toBe(true);
  return sent.map(({ body, delaySeconds }) => {
    const status = body.payload.entry[0]?.changes[0]?.value.statuses?.[0];
    expect(body).toMatchObject({ kind: "whatsapp-webhook", source: "sandbox", projectId: "prj_x" });
    expect(status?.biz_opaque_callback_data).toBe("msg_1||");
    expect(status?.recipient_id).toBe(to.slice(1));
    return { status: status?.status, code: status?.errors?.[0]?.code ?? null, delaySeconds };
  });
}

describe("sandbox test numbers", () => {
  it.each([
    [
      "+917428526285",
      "UTILITY",
      [
        ["sent", null],
        ["delivered", null],
        ["read", null],
      ],
    ],
    ["+917428520000", "UTILITY", [["failed", 131026]]],
    [
      "+917428521111",
      "UTILITY",
      [
        ["sent", null],
        ["failed", 131000],
      ],
    ],
    [
      "+917428522222",
      "UTILITY",
      [
        ["sent", null],
        ["delivered", null],
      ],
    ],
    ["+917428523333", "MARKETING", [["failed", 131050]]],
    [
      "+917428523333",
      "UTILITY",
      [
        ["sent", null],
        ["delivered", null],
        ["read", null],
      ],
    ],
  ] as const)("%s with a %s template plays %j", async (to, category, expected) => {
    const statuses = await plan(to, category);
    expect(statuses).toEqual(
      expected.map(([status, code]) => ({
        status,
        code,
        delaySeconds: SANDBOX_DELAYS[status as keyof typeof SANDBOX_DELAYS],
      })),
    );
  });
});

// The sandbox plays Meta's lifecycle through the real sends queue, the sandbox provider, the events
// queue and the same status code a Meta webhook goes through.
// Statuses arrive 1–4 s after the send, through queues with their own batching delays.
describe("sandbox lifecycle, end to end", { timeout: 30_000 }, () => {
  it("takes an ordinary number through sent → delivered → read", async () => {
    const p = await newProject();
    const id = await queueMessage(p.id, "+917428526285");
    const done = await eventually(
      () => getMessage(p.sender, id),
      (r) => r.body.status === "read",
    );
    expect(done.body).toMatchObject({
      id,
      status: "read",
      number: "+917428526285",
      wamid: expect.stringMatching(/^wamid\.sandbox\./),
      attempts: 1,
      error: null,
      sentAt: expect.any(String),
      deliveredAt: expect.any(String),
      readAt: expect.any(String),
    });
    expect(done.body.history.map((h: { status: string }) => h.status)).toEqual([
      "queued",
      "sending",
      "sent",
      "delivered",
      "read",
    ]);
  });

  it("reports a number ending 0000 as not on WhatsApp (131026)", async () => {
    const p = await newProject();
    const id = await queueMessage(p.id, "+917428520000");
    const done = await eventually(
      () => getMessage(p.sender, id),
      (r) => r.body.status === "failed",
    );
    expect(done.body.error).toEqual({
      code: 131026,
      title: SANDBOX_OUTCOMES["0000"].title,
      message: SANDBOX_OUTCOMES["0000"].title,
    });
    expect(done.body.deliveredAt).toBeNull();
  });

  it("fails delivery for 1111 after sent, and never reads 2222", async () => {
    const p = await newProject();
    const failing = await queueMessage(p.id, "+917428521111");
    const unread = await queueMessage(p.id, "+917428522222");
    const failed = await eventually(
      () => getMessage(p.sender, failing),
      (r) => r.body.status === "failed",
    );
    expect(failed.body.error.code).toBe(131000);
    expect(failed.body.sentAt).not.toBeNull();
    await eventually(
      () => getMessage(p.sender, unread),
      (r) => r.body.status === "delivered",
    );
  });

  it("fails a MARKETING template to 3333 as stopped marketing (131050), but delivers a UTILITY one", async () => {
    const p = await newProject();
    const marketing = await queueMessage(p.id, "+917428523333", "MARKETING");
    const utility = await queueMessage(p.id, "+917428533333", "UTILITY");
    const failed = await eventually(
      () => getMessage(p.sender, marketing),
      (r) => r.body.status === "failed",
    );
    expect(failed.body.error.code).toBe(131050);
    await eventually(
      () => getMessage(p.sender, utility),
      (r) => r.body.status === "read",
    );
  });

  it("hides a message from another project's key", async () => {
    const a = await newProject();
    const b = await newProject();
    const id = await queueMessage(a.id, "+917428526285");
    expectError(await getMessage(b.manager, id), 404, "not_found");
    expectError(await getMessage(b.sender, "msg_unknown"), 404, "not_found");
  });
});

describe("GET /v1/messages/{id}", () => {
  it("refuses an id longer than any message id, and needs a key", async () => {
    const p = await newProject();
    expectError(await getMessage(p.sender, `msg_${"x".repeat(80)}`), 400, "validation_failed", ["id"]);
    const { call } = await import("../helpers");
    expectError(await call("GET", "/v1/messages/msg_x"), 401, "unauthorized");
  });
});
