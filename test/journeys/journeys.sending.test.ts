import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sendClaimed } from "../../src/features/delivery/send-batch";
import { sendTextBody } from "../../src/whatsapp/meta/send-payloads";
import type { TemplateMessage, TextMessage, WhatsAppProvider } from "../../src/whatsapp/provider";
import { SANDBOX_DELAYS } from "../../src/whatsapp/sandbox";
import type { WebhookPayload } from "../../src/whatsapp/webhook/payload";
import { db, newProject } from "../helpers";
import {
  eventually,
  getMessage,
  insertQueuedMessage,
  recordingSandbox,
  templateMessage,
} from "../messages/messages.helpers";
import { drainWebhooks, graph, metaProvider, receivedSends, registerAccount } from "../standin/standin.helpers";

type Claimed = Parameters<typeof sendClaimed>[1] extends Map<string, infer C> ? C : never;

// Session text messages (what a journey button sends) through each provider, and the send path's
// dispatch between template and text payloads.

const text = (to: string, body: string, callbackData?: string): TextMessage => ({
  type: "text",
  to,
  text: body,
  ...(callbackData ? { callbackData } : {}),
});

describe("sendTextBody", () => {
  it("is Meta's text message, link previews off, the callback data passed through", () => {
    expect(sendTextBody(text("+1 (555) 123-0001", "Hi *there*", "msg_1||"))).toEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: "15551230001",
      type: "text",
      text: { body: "Hi *there*", preview_url: false },
      biz_opaque_callback_data: "msg_1||",
    });
    expect(sendTextBody(text("+15551230001", "Hi"))).not.toHaveProperty("biz_opaque_callback_data");
  });
});

describe("MetaProvider.sendText, against the Graph API stand-in", () => {
  it("posts the text message, which the stand-in records and plays sent → delivered → read, unbilled", async () => {
    const account = await registerAccount();
    const result = await metaProvider(account).sendText(text("+917428526285", "Welcome aboard!", "msg_abc||"));
    expect(result).toEqual({ ok: true, wamid: expect.stringMatching(/^wamid\./) });
    const sends = await receivedSends(account);
    expect(sends).toHaveLength(1);
    expect(sends[0]).toMatchObject({
      accepted: true,
      errorCode: null,
      wamid: result.ok ? result.wamid : "",
      body: {
        messaging_product: "whatsapp",
        recipient_type: "individual",
        to: "917428526285",
        type: "text",
        text: { body: "Welcome aboard!", preview_url: false },
        biz_opaque_callback_data: "msg_abc||",
      },
    });
    const statuses = (await drainWebhooks(account)).map((hook) => {
      const status = (JSON.parse(hook.body) as WebhookPayload).entry[0]?.changes[0]?.value.statuses?.[0];
      return [status?.status, status?.biz_opaque_callback_data, (status?.pricing as { category?: string })?.category];
    });
    expect(statuses).toEqual([
      ["sent", "msg_abc||", "service"],
      ["delivered", "msg_abc||", "service"],
      ["read", "msg_abc||", undefined],
    ]);
  });

  it("takes a text of exactly 4096 characters, counting an emoji as one", async () => {
    const account = await registerAccount();
    const result = await metaProvider(account).sendText(text("+917428526285", `${"x".repeat(4095)}👋`));
    expect(result.ok).toBe(true);
  });

  it("gets Meta's error for a text over 4096 characters, a permanent failure", async () => {
    const account = await registerAccount();
    const result = await metaProvider(account).sendText(text("+917428526285", "x".repeat(4097)));
    expect(result).toMatchObject({ ok: false, error: { class: "permanent", code: 100, httpStatus: 400 } });
    const [send] = await receivedSends(account);
    expect(send).toMatchObject({ accepted: false, errorCode: 100, wamid: null });
  });

  const textSend = (extra: Record<string, unknown>) => ({
    messaging_product: "whatsapp",
    recipient_type: "individual",
    to: "917428526285",
    type: "text",
    ...extra,
  });

  it.each([
    ["no text", textSend({}), "(#100) The parameter text['body'] is required."],
    ["an empty body", textSend({ text: { body: "" } }), "(#100) The parameter text['body'] is required."],
    [
      "a body over 4096 characters",
      textSend({ text: { body: "y".repeat(5000) } }),
      "(#100) Param text['body'] must be at most 4096 characters long.",
    ],
    [
      "a preview_url that is not a boolean",
      textSend({ text: { body: "hi", preview_url: "yes" } }),
      "(#100) Param text['preview_url'] must be a boolean.",
    ],
    ["a type it does not know", textSend({ type: "image", image: { link: "https://x.test/a.png" } }), undefined],
  ])("the stand-in refuses %s with Meta's error body", async (_label, body, message) => {
    const account = await registerAccount();
    const result = await graph(account, "POST", `${account.phoneNumberId}/messages`, body);
    expect(result.status).toBe(400);
    expect(result.body).toEqual({
      error: {
        message: message ?? expect.stringMatching(/^\(#100\)/),
        type: "OAuthException",
        code: 100,
        error_data: { messaging_product: "whatsapp", details: expect.any(String) },
        fbtrace_id: expect.any(String),
      },
    });
    expect(await drainWebhooks(account)).toEqual([]);
  });
});

/** The statuses the sandbox schedules for a text message, read off a recording queue. */
async function sandboxPlan(to: string) {
  const { sandbox, sent } = recordingSandbox();
  const result = await sandbox.sendText(text(to, "Hello", "msg_1||"));
  expect(result).toEqual({ ok: true, wamid: expect.stringMatching(/^wamid\.sandbox\./) });
  return sent.map(({ body, delaySeconds }) => {
    const status = body.payload.entry[0]?.changes[0]?.value.statuses?.[0];
    expect(status?.biz_opaque_callback_data).toBe("msg_1||");
    expect(status?.recipient_id).toBe(to.slice(1));
    return [status?.status, status?.errors?.[0]?.code ?? null, delaySeconds];
  });
}

describe("SandboxProvider.sendText", () => {
  it.each([
    ["+917428526285", ["sent", "delivered", "read"]],
    ["+917428520000", ["failed"]],
    ["+917428521111", ["sent", "failed"]],
    ["+917428522222", ["sent", "delivered"]],
    // A text is never marketing: the 3333 number reads it.
    ["+917428523333", ["sent", "delivered", "read"]],
  ] as const)("plays the test ending of %s as %j", async (to, expected) => {
    const plan = await sandboxPlan(to);
    expect(plan.map(([status]) => status)).toEqual(expected);
    for (const [status, code, delay] of plan) {
      expect(delay).toBe(SANDBOX_DELAYS[status as keyof typeof SANDBOX_DELAYS]);
      if (status === "failed") expect(code).toBe(to.endsWith("0000") ? 131026 : 131000);
    }
  });

  it("takes a queued text message through sent → delivered → read, end to end", { timeout: 30_000 }, async () => {
    const p = await newProject();
    const to = "+917428526285";
    const id = await insertQueuedMessage(db(), {
      projectId: p.id,
      number: to,
      templateId: null,
      // The message store's payload column holds text messages as well as templates.
      payload: text(to, "Hello from the sandbox") as unknown as TemplateMessage,
    });
    await env.SENDS.send({ kind: "send", projectId: p.id, messageId: id });
    const done = await eventually(
      () => getMessage(p.sender, id),
      (r) => r.body.status === "read",
    );
    expect(done.body).toMatchObject({ status: "read", wamid: expect.stringMatching(/^wamid\.sandbox\./), error: null });
    expect(done.body.history.map((h: { status: string }) => h.status)).toEqual([
      "queued",
      "sending",
      "sent",
      "delivered",
      "read",
    ]);
  });
});

describe("sendClaimed", () => {
  /** A provider that records every call, in the order calls start, and answers after a tick. */
  function recordingProvider() {
    const calls: { kind: "template" | "text"; message: TemplateMessage | TextMessage }[] = [];
    let n = 0;
    const answer = async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      n += 1;
      return { ok: true as const, wamid: `wamid.${n}` };
    };
    const provider = {
      kind: "sandbox",
      sendTemplate: async (message: TemplateMessage) => {
        calls.push({ kind: "template", message });
        return answer();
      },
      sendText: async (message: TextMessage) => {
        calls.push({ kind: "text", message });
        return answer();
      },
    } as unknown as WhatsAppProvider;
    return { provider, calls };
  }

  const claimed = (id: string, payload: unknown): [string, Claimed] => [
    id,
    { id, claimedAt: 0, payload: payload as TemplateMessage, campaignId: null, runId: null, attempts: 1 },
  ];

  it("sends templates as templates and texts as texts, each with its callback data", async () => {
    const { provider, calls } = recordingProvider();
    const journeyPayload = { ...text("+15550001", "Step one"), journey: { id: "welcome", step: 1, steps: 1 } };
    const results = await sendClaimed(
      provider,
      new Map([claimed("msg_a", templateMessage("+15550002")), claimed("msg_b", journeyPayload)]),
      new Map(),
    );
    expect(results).toHaveLength(2);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(calls).toContainEqual({
      kind: "template",
      message: { ...templateMessage("+15550002"), callbackData: "msg_a||" },
    });
    // Only the provider-neutral text message goes to the provider, not where the journey came from.
    expect(calls).toContainEqual({
      kind: "text",
      message: { type: "text", to: "+15550001", text: "Step one", callbackData: "msg_b||" },
    });
  });

  it("sends one person's texts one after another, in id order, whatever order they were claimed in", async () => {
    const { provider, calls } = recordingProvider();
    const results = await sendClaimed(
      provider,
      new Map([
        claimed("msg_0003", text("+15550001", "third")),
        claimed("msg_0001", text("+15550001", "first")),
        claimed("msg_0009", text("+15550002", "other person")),
        claimed("msg_0002", text("+15550001", "second")),
      ]),
      new Map(),
    );
    expect(new Set(results.map((r) => r.id))).toEqual(new Set(["msg_0001", "msg_0002", "msg_0003", "msg_0009"]));
    const toFirst = calls.filter((c) => c.message.to === "+15550001").map((c) => (c.message as TextMessage).text);
    expect(toFirst).toEqual(["first", "second", "third"]);
    // The other person's text did not wait behind them.
    expect(calls.findIndex((c) => c.message.to === "+15550002")).toBeLessThan(2);
  });
});
