import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call } from "../helpers";
import { eventually, messageRow } from "../messages/messages.helpers";
import { clubCampaign, getRun, ok, runCampaign, runMessages, runReaches } from "../runs/runs.helpers";
import { receivedSends, seedTemplate } from "../standin/standin.helpers";
import { apiJob, deliverWebhooks, metaCampaign, runQueue } from "./pipeline.helpers";

// WhatsApp's answer to a send can say the template is paused or disabled (error 132015 / 132016) or
// that it holds the message while it paces the template (`message_status`). A refused send is not
// a failure: the message waits, queued, and everything sending the template is held as Meta's
// PAUSED webhook would hold it, until Meta reinstates the template; each person gets it once.

const SENDS = "wa-campaigns-sends";

async function templateOf(campaignId: string) {
  const row = await env.DB.prepare(
    "SELECT t.id, t.name, t.language FROM campaigns c JOIN templates t ON t.id = c.template_id WHERE c.id = ?",
  )
    .bind(campaignId)
    .first<{ id: string; name: string; language: string }>();
  if (!row) throw new Error("no template");
  return row;
}

const accepted = async (account: Parameters<typeof receivedSends>[0]) =>
  (await receivedSends(account)).filter((s) => s.accepted).map((s) => `+${(s.body as { to: string }).to}`);

describe("a send answered 132015 or 132016", { timeout: 90_000 }, () => {
  it("holds the broadcast run with the reason, keeps its messages queued, and completes it once reinstated", async () => {
    const { p, account, members, c } = await clubCampaign(true, 4, 8300);
    const template = await templateOf(c.campaignId);
    // Meta pauses the template and the webhook saying so has not arrived: the sends find out.
    await seedTemplate(account, { name: template.name, language: template.language, status: "PAUSED" });
    const run = (await ok(runCampaign(p.manager, { campaignId: c.campaignId, audiences: ["club"] }), 202)).run;
    const held = await runReaches(p.manager, run.runId, ["waiting_template"]);
    expect(held.statusReason).toBe(
      `template "${template.name}" is paused by WhatsApp (WhatsApp refused a send: Template paused for low quality (132015))`,
    );
    const shown = await call("GET", `/v1/templates/${template.id}`, { key: p.manager });
    expect(shown.body).toMatchObject({ status: "PAUSED" });
    expect(await accepted(account)).toEqual([]);
    const rows = await runMessages(run.runId);
    expect(rows.filter((r) => r.status === "failed")).toEqual([]);

    await seedTemplate(account, { name: template.name, language: template.language, status: "APPROVED" });
    await deliverWebhooks(account);
    await runReaches(p.manager, run.runId, ["completed"], 40_000);
    expect((await accepted(account)).sort()).toEqual([...members].sort());
    expect((await runMessages(run.runId)).every((r) => r.status === "sent" || r.status === "delivered")).toBe(true);
  });

  it("pauses the API campaign (132016: disabled), keeps the message queued, and sends it once reinstated", async () => {
    const { p, account, campaignId, templateId } = await metaCampaign();
    await seedTemplate(account, { name: "order_update", category: "UTILITY", status: "DISABLED" });
    const job = apiJob(p.id, campaignId, templateId);
    const first = await runQueue(SENDS, [job]);
    expect(first.explicitAcks).toEqual(["m0"]);
    expect(await messageRow(job.messageId)).toMatchObject({ status: "queued", error_code: 132016 });
    const campaign = await call("GET", `/v1/api-campaigns/${campaignId}`, { key: p.manager });
    expect(campaign.body).toMatchObject({
      status: "paused",
      pausedReason:
        'template "order_update" is disabled by WhatsApp (WhatsApp refused a send: Template disabled for low quality (132016))',
    });
    // Held: a redelivery of the queue message sends nothing.
    await runQueue(SENDS, [job], 2);
    expect(await accepted(account)).toEqual([]);

    await seedTemplate(account, { name: "order_update", category: "UTILITY", status: "APPROVED" });
    await deliverWebhooks(account);
    // Meta's webhooks, in order (approved at creation, disabled, reinstated), leave it live.
    expect((await call("GET", `/v1/api-campaigns/${campaignId}`, { key: p.manager })).body).toMatchObject({
      status: "live",
      pausedReason: null,
    });
    await eventually(
      () => messageRow(job.messageId),
      (row) => row?.status === "sent" || row?.status === "delivered",
    );
    expect(await accepted(account)).toEqual(["+917428526285"]);
  });
});

describe("an accepted send's message_status", { timeout: 90_000 }, () => {
  it.each([
    ["in D1", "d1", 8400],
    ["in its own object", "object", 8420],
  ] as const)(
    "held_for_quality_assessment: sent, with Meta's word in the message's history (run kept %s)",
    async (_, ledger, first) => {
      const { p, account, members, c } = await clubCampaign(true, 2, first);
      await env.DB.prepare("UPDATE projects SET run_messages = ? WHERE id = ?").bind(ledger, p.id).run();
      const template = await templateOf(c.campaignId);
      await seedTemplate(account, {
        name: template.name,
        language: template.language,
        status: "APPROVED",
        messageStatus: "held_for_quality_assessment",
      });
      const run = (await ok(runCampaign(p.manager, { campaignId: c.campaignId, audiences: ["club"] }), 202)).run;
      await runReaches(p.manager, run.runId, ["completed"]);
      const [one] = await runMessages(run.runId);
      const message = await ok(call("GET", `/v1/messages/${one?.id}`, { key: p.manager }), 200);
      expect(message.history.map((h: { status: string; detail: string | null }) => [h.status, h.detail])).toEqual([
        ["queued", null],
        ["sending", null],
        ["sent", null],
        ["sent", "WhatsApp answered held_for_quality_assessment"],
      ]);
      expect((await accepted(account)).sort()).toEqual([...members].sort());
    },
  );

  it("paused: the message is Meta's, and what sends the template next waits for it", async () => {
    const { p, account, members, c } = await clubCampaign(true, 1, 8500);
    const template = await templateOf(c.campaignId);
    await seedTemplate(account, {
      name: template.name,
      language: template.language,
      status: "APPROVED",
      messageStatus: "paused",
    });
    const run = (await ok(runCampaign(p.manager, { campaignId: c.campaignId, audiences: ["club"] }), 202)).run;
    await eventually(
      () => call("GET", `/v1/templates/${template.id}`, { key: p.manager }),
      (r) => r.body.status === "PAUSED",
    );
    expect(await accepted(account)).toEqual(members);
    const rows = await runMessages(run.runId);
    expect(rows.map((r) => r.status)).toEqual(["sent"]);
    const next = await ok(runCampaign(p.manager, { campaignId: c.campaignId, audiences: ["club"] }), 202);
    expect(next.run).toMatchObject({ status: "waiting_template" });
    expect(next.run.statusReason).toContain("paused by WhatsApp (WhatsApp answered a send of this template as paused)");
    expect((await getRun(p.manager, next.run.runId)).body.run.status).toBe("waiting_template");
    expect(await accepted(account)).toEqual(members);
  });
});
