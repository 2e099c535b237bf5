import { describe, expect, it } from "vitest";
import { numbers } from "../audiences/audiences.helpers";
import { call, expectError, newProject } from "../helpers";
import { eventually, getMessage } from "../messages/messages.helpers";
import { ok, runCampaign, runMessages, runReaches } from "../runs/runs.helpers";
import {
  graph,
  injectError,
  metaProvider,
  receivedSends,
  registerAccount,
  type StandInAccount,
  seedTemplate,
  sendBody,
} from "../standin/standin.helpers";
import { connectedProject, deliverWebhooks } from "./pipeline.helpers";

// Meta's Marketing Messages API: an account set as onboarded sends its marketing templates to
// POST /{phone-number-id}/marketing_messages, where Meta honours the template's validity period
// (message_send_ttl_seconds); everything else stays on /messages. The stand-in records which
// endpoint each send reached and the validity period Meta would apply to it.

const DAY = 86_400;
const THIRTY_DAYS = 2_592_000;

const promo = { type: "BODY", text: "Hi {{1}}, the sale ends tonight." };

/** A project connected to a fresh stand-in account, with the Marketing Messages API setting given. */
async function onboardedProject(marketingMessagesApi: boolean) {
  const connected = await connectedProject({ autoApprove: true, throughput: 1000, marketingMessagesApi });
  const account = await call("GET", `/v1/admin/projects/${connected.p.id}/whatsapp`, { admin: true });
  expect(account.body.marketingMessagesApi).toBe(marketingMessagesApi);
  return connected;
}

const accepted = async (account: StandInAccount) => (await receivedSends(account)).filter((s) => s.accepted);

describe("the Meta provider and the Marketing Messages API", () => {
  it("sends marketing templates of an onboarded number to /marketing_messages with the template's TTL, the rest to /messages", async () => {
    const account = await registerAccount();
    await seedTemplate(account, {
      name: "promo",
      category: "MARKETING",
      components: [promo],
      messageSendTtlSeconds: DAY,
    });
    await seedTemplate(account, {
      name: "receipt",
      category: "UTILITY",
      components: [{ type: "BODY", text: "Paid." }],
    });
    const provider = metaProvider(account, { marketingMessagesApi: true });
    const marketing = {
      to: "+917428526285",
      template: { name: "promo", language: "en_US", category: "MARKETING" as const },
      body: ["Asha"],
      callbackData: "ref-1",
    };
    expect(await provider.sendTemplate(marketing)).toMatchObject({
      ok: true,
      wamid: expect.stringMatching(/^wamid\./),
    });
    expect(
      await provider.sendTemplate({
        to: "+917428526285",
        template: { name: "receipt", language: "en_US", category: "UTILITY" },
        body: [],
      }),
    ).toMatchObject({ ok: true });
    expect(await provider.sendText({ type: "text", to: "+917428526285", text: "Thanks!" })).toMatchObject({ ok: true });

    const sends = await receivedSends(account);
    expect(sends.map((s) => [s.endpoint, s.accepted, s.ttlSeconds])).toEqual([
      ["marketing_messages", true, DAY],
      ["messages", true, THIRTY_DAYS],
      ["messages", true, null],
    ]);
    // The same body as Cloud API's, with nothing Meta would not read.
    expect(sends[0]?.body).toEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: "917428526285",
      type: "template",
      template: {
        name: "promo",
        language: { code: "en_US" },
        components: [{ type: "body", parameters: [{ type: "text", text: "Asha" }] }],
      },
      biz_opaque_callback_data: "ref-1",
    });
  });

  it("keeps marketing templates on /messages when the number is not onboarded, where Meta ignores their TTL", async () => {
    const account = await registerAccount();
    await seedTemplate(account, {
      name: "promo",
      category: "MARKETING",
      components: [promo],
      messageSendTtlSeconds: DAY,
    });
    const result = await metaProvider(account).sendTemplate({
      to: "+917428526285",
      template: { name: "promo", language: "en_US", category: "MARKETING" },
      body: ["Asha"],
    });
    expect(result.ok).toBe(true);
    expect((await receivedSends(account)).map((s) => [s.endpoint, s.ttlSeconds])).toEqual([["messages", THIRTY_DAYS]]);
  });

  it("classifies the marketing endpoint's errors as /messages' are", async () => {
    const account = await registerAccount();
    await seedTemplate(account, { name: "promo", category: "MARKETING", components: [promo] });
    const provider = metaProvider(account, { marketingMessagesApi: true });
    const send = (to: string) =>
      provider.sendTemplate({ to, template: { name: "promo", language: "en_US", category: "MARKETING" }, body: ["A"] });
    const cases = [
      { code: 131049, to: "+917428520001", expected: { class: "permanent", code: 131049, retryAfterSeconds: DAY } },
      { code: 130429, to: "+917428520002", expected: { class: "retryable", code: 130429 } },
      { code: 131026, to: "+917428520003", expected: { class: "permanent", code: 131026, notOnWhatsApp: true } },
      { code: 190, to: "+917428520004", expected: { class: "account", code: 190 } },
    ];
    for (const { code, to } of cases) {
      await injectError(account, { code, mode: "always", recipient: to, endpoint: "marketing_messages" });
    }
    for (const { to, expected } of cases) {
      const result = await send(to);
      expect(result.ok, to).toBe(false);
      if (!result.ok) expect(result.error, to).toMatchObject(expected);
    }
    expect((await receivedSends(account)).every((s) => s.endpoint === "marketing_messages")).toBe(true);
  });

  it("is refused by the stand-in for anything but a marketing template, as Meta refuses it", async () => {
    const account = await registerAccount();
    await seedTemplate(account, {
      name: "receipt",
      category: "UTILITY",
      components: [{ type: "BODY", text: "Paid." }],
    });
    const utility = await graph(account, "POST", `${account.phoneNumberId}/marketing_messages`, sendBody("receipt"));
    expect(utility.status).toBe(400);
    expect(utility.body.error).toMatchObject({
      code: 100,
      error_data: { details: expect.stringContaining("MARKETING") },
    });
    const text = await graph(account, "POST", `${account.phoneNumberId}/marketing_messages`, {
      messaging_product: "whatsapp",
      to: "15551230001",
      type: "text",
      text: { body: "hi" },
    });
    expect(text.status).toBe(400);
    expect(text.body.error.code).toBe(100);
  });
});

describe("marketing campaigns on an onboarded account", { timeout: 60_000 }, () => {
  it("runs a broadcast through the marketing endpoint with the campaign's TTL, and every message ends sent", async () => {
    const { p, account } = await onboardedProject(true);
    const members = numbers(3, 401);
    for (const number of members) {
      await ok(call("POST", "/v1/contacts", { key: p.manager, body: { number } }), 201);
    }
    const created = await ok(
      call("POST", "/v1/create/campaign", {
        key: p.manager,
        body: { title: "Spring sale", message: "Our spring sale starts today.", messageSendTtlSeconds: DAY },
      }),
      201,
    );
    const run = (await ok(runCampaign(p.manager, { campaignId: created.campaign.campaignId, audiences: ["all"] }), 202))
      .run;
    await runReaches(p.manager, run.runId, ["completed"]);
    const sends = await accepted(account);
    expect(sends.map((s) => [s.endpoint, s.ttlSeconds, `+${(s.body as { to: string }).to}`]).sort()).toEqual(
      members.map((number) => ["marketing_messages", DAY, number]).sort(),
    );
    await deliverWebhooks(account);
    const rows = await eventually(
      () => runMessages(run.runId),
      (all) => all.length === 3 && all.every((r) => r.status === "read"),
    );
    expect(rows.map((r) => r.number)).toEqual([...members].sort());
  });

  it("sends a utility API campaign of the same account through /messages", async () => {
    const { p, account } = await onboardedProject(true);
    const template = await call("POST", "/v1/templates", {
      key: p.manager,
      body: { name: "receipt", language: "en_US", category: "UTILITY", body: { text: "Payment received." } },
    });
    expect(template.status, JSON.stringify(template.body)).toBe(201);
    await call("POST", "/v1/api-campaigns", {
      key: p.manager,
      body: { name: "receipts", templateId: template.body.id },
    });
    const sent = await call("POST", "/campaign/t1/api/v2", {
      body: { apiKey: p.sender, campaignName: "receipts", destination: "+917428526285", userName: "Asha" },
    });
    expect(sent.body.status).toBe("queued");
    await eventually(
      () => getMessage(p.sender, sent.body.messageId),
      (r) => r.body.status === "sent",
    );
    expect((await accepted(account)).map((s) => s.endpoint)).toEqual(["messages"]);
  });

  it("refuses a validity period outside Meta's range for the category, naming the field", async () => {
    const { p } = await onboardedProject(true);
    const broadcast = await call("POST", "/v1/create/campaign", {
      key: p.manager,
      body: { title: "Flash sale", message: "Two hours only.", messageSendTtlSeconds: 3600 },
    });
    expectError(broadcast, 400, "validation_failed", ["messageSendTtlSeconds"]);
    expect(broadcast.body.error.fields[0].message).toContain("43200 to 2592000");
    const utility = await call("POST", "/v1/templates", {
      key: p.manager,
      body: {
        name: "receipt",
        language: "en_US",
        category: "UTILITY",
        body: { text: "Payment received." },
        messageSendTtlSeconds: 50_000,
      },
    });
    expectError(utility, 400, "validation_failed", ["messageSendTtlSeconds"]);
    const allowed = await call("POST", "/v1/templates", {
      key: p.manager,
      body: {
        name: "receipt",
        language: "en_US",
        category: "UTILITY",
        body: { text: "Payment received." },
        messageSendTtlSeconds: -1,
      },
    });
    expect(allowed.status, JSON.stringify(allowed.body)).toBe(201);
  });
});

describe("the account setting", { timeout: 30_000 }, () => {
  it("is off by default, set by the operator, and refused when not a boolean", async () => {
    const { p } = await onboardedProject(true);
    const get = await call("GET", `/v1/admin/projects/${p.id}/whatsapp`, { admin: true });
    expect(get.body.marketingMessagesApi).toBe(true);
    const bad = await call("PUT", `/v1/admin/projects/${p.id}/whatsapp`, {
      admin: true,
      body: { provider: "sandbox", phoneNumberId: "sandbox-mm", wabaId: "sandbox-mm", marketingMessagesApi: "yes" },
    });
    expectError(bad, 400, "validation_failed", ["marketingMessagesApi"]);
    const reset = await call("PUT", `/v1/admin/projects/${p.id}/whatsapp`, {
      admin: true,
      body: { provider: "sandbox", phoneNumberId: `sandbox-mm-${p.id}`, wabaId: `sandbox-mm-${p.id}` },
    });
    expect(reset.body.marketingMessagesApi).toBe(false);
  });

  it("plays both endpoints in the sandbox: a marketing send of an onboarded number shows it in its wamid", async () => {
    const p = await newProject();
    const put = await call("PUT", `/v1/admin/projects/${p.id}/whatsapp`, {
      admin: true,
      body: {
        provider: "sandbox",
        phoneNumberId: `sandbox-${p.id}`,
        wabaId: `sandbox-${p.id}`,
        marketingMessagesApi: true,
      },
    });
    expect(put.status).toBe(200);
    const wamidOf = async (category: "MARKETING" | "UTILITY") => {
      const name = category.toLowerCase();
      const template = await call("POST", "/v1/templates", {
        key: p.manager,
        body: { name, language: "en_US", category, body: { text: "Hello there." } },
      });
      await call("POST", "/v1/api-campaigns", { key: p.manager, body: { name, templateId: template.body.id } });
      const sent = await call("POST", "/campaign/t1/api/v2", {
        body: { apiKey: p.sender, campaignName: name, destination: "+917428526285", userName: "Asha" },
      });
      const message = await eventually(
        () => getMessage(p.sender, sent.body.messageId),
        (r) => r.body.wamid !== null && r.body.wamid !== undefined,
      );
      return message.body.wamid as string;
    };
    expect(await wamidOf("MARKETING")).toMatch(/^wamid\.sandbox\.mm\./);
    expect(await wamidOf("UTILITY")).toMatch(/^wamid\.sandbox\.[0-9a-f]+$/);
  });
});
