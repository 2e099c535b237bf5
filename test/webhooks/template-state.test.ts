import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { apiJob, connectedProject, metaCampaign, runQueue } from "../delivery/pipeline.helpers";
import { call, expectError } from "../helpers";
import { eventually } from "../messages/messages.helpers";
import { campaign, getRun, group, ok, runCampaign, runMessages, runReaches } from "../runs/runs.helpers";
import { receivedSends, type StandInAccount } from "../standin/standin.helpers";
import { broadcastUnderWay, fill, fixture, fixtureNames, postFixture, postPayload } from "./state-fixtures";

// Meta's template webhooks (status, category, quality), each from a fixture of
// test/fixtures/webhooks/, posted signed through POST /webhooks/whatsapp and checked through the API:
// the template's answer, its campaigns and runs, and what reached the Graph API stand-in.

/** The fixture placeholders for one of the project's templates. */
async function templateVars(templateId: string, wabaId: string) {
  const row = await env.DB.prepare("SELECT name, provider_template_id FROM templates WHERE id = ?")
    .bind(templateId)
    .first<{ name: string; provider_template_id: string }>();
  if (!row) throw new Error("no template");
  // Meta sends the template id as a number.
  return { WABA_ID: wabaId, TEMPLATE_ID: Number(row.provider_template_id), TEMPLATE_NAME: row.name };
}

const getTemplate = (key: string, id: string) => call("GET", `/v1/templates/${id}`, { key });
const getApiCampaign = (key: string, id: string) => call("GET", `/v1/api-campaigns/${id}`, { key });

/** Numbers the stand-in accepted a send for, each once per send. */
const sentTo = async (account: StandInAccount) =>
  (await receivedSends(account)).filter((s) => s.accepted).map((s) => `+${(s.body as { to: string }).to}`);

const send = (key: string, destination: string) =>
  call("POST", "/campaign/t1/api/v2", {
    body: { apiKey: key, campaignName: "orders", destination, userName: "Asha", templateParams: ["Asha", "#1"] },
  });

const REASON =
  "Your template has been paused for 3 hours due to low quality: recipients blocked it or reported it as spam.";

describe("template webhook fixtures", () => {
  it("has one fixture per template field, each naming the reference page it follows", () => {
    const names = fixtureNames().filter((n) => n.startsWith("template-"));
    expect(names.length).toBeGreaterThanOrEqual(3);
    for (const name of names) {
      const { source, payload } = fixture(name);
      const field = (payload as { entry: { changes: { field: string }[] }[] }).entry[0]?.changes[0]?.field;
      expect(source, name).toBe(
        `https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/${field}`,
      );
    }
    expect(new Set(names.map((n) => fixture(n).source.replace(/^.*\//, "")))).toEqual(
      new Set(["message_template_status_update", "template_category_update", "message_template_quality_update"]),
    );
  });
});

describe("message_template_status_update", { timeout: 60_000 }, () => {
  it("PAUSED holds the API campaign with Meta's reason, DISABLED keeps it held, REINSTATED sends what was held, once", async () => {
    const { p, account, campaignId, templateId } = await metaCampaign();
    const vars = await templateVars(templateId, account.wabaId);

    expect(await postFixture(account.appSecret, "template-status-paused", vars)).toMatchObject({ received: 1 });
    const paused = await eventually(
      () => getTemplate(p.sender, templateId),
      (r) => r.body.status === "PAUSED",
    );
    expect(paused.body).toMatchObject({
      status: "PAUSED",
      rejectedReason: REASON,
      statusEvent: { event: "PAUSED", reason: REASON, disableDate: null, receivedAt: expect.any(String) },
    });
    const held = `template "order_update" is paused by WhatsApp (${REASON})`;
    expect((await getApiCampaign(p.sender, campaignId)).body).toMatchObject({ status: "paused", pausedReason: held });
    const refused = await send(p.sender, "+917400000001");
    expectError(refused, 409, "conflict", ["campaignName"]);
    expect(refused.body.error.message).toContain(held);

    // A send accepted before the pause and consumed after it is held, queued, never sent to fail at Meta.
    const job = apiJob(p.id, campaignId, templateId, "+917400000002");
    await runQueue("wa-campaigns-sends", [job]);
    const queued = await call("GET", `/v1/messages/${job.messageId}`, { key: p.sender });
    expect(queued.body.status).toBe("queued");
    expect(await sentTo(account)).toEqual([]);

    await postFixture(account.appSecret, "template-status-disabled", vars);
    await eventually(
      () => getApiCampaign(p.sender, campaignId),
      (r) => r.body.pausedReason === 'template "order_update" is disabled by WhatsApp (LOW_QUALITY)',
    );
    expect((await getTemplate(p.sender, templateId)).body).toMatchObject({
      status: "DISABLED",
      statusEvent: { event: "DISABLED", disableDate: "1764580800" },
    });

    await postFixture(account.appSecret, "template-status-reinstated", vars);
    const approved = await eventually(
      () => getTemplate(p.sender, templateId),
      (r) => r.body.status === "APPROVED",
    );
    expect(approved.body).toMatchObject({ rejectedReason: null, statusEvent: { event: "REINSTATED", reason: null } });
    expect((await getApiCampaign(p.sender, campaignId)).body).toMatchObject({ status: "live", pausedReason: null });
    await eventually(
      () => call("GET", `/v1/messages/${job.messageId}`, { key: p.sender }),
      (r) => r.body.status === "sent",
    );
    expect(await sentTo(account)).toEqual(["+917400000002"]);
    const after = await send(p.sender, "+917400000003");
    expect(after.body).toMatchObject({ success: true, status: "queued" });
  });

  it("does not set live again an API campaign a person paused", async () => {
    const { p, account, campaignId, templateId } = await metaCampaign();
    const vars = await templateVars(templateId, account.wabaId);
    await ok(call("POST", `/v1/api-campaigns/${campaignId}/pause`, { key: p.manager }), 200);
    await postFixture(account.appSecret, "template-status-paused", vars);
    await eventually(
      () => getTemplate(p.sender, templateId),
      (r) => r.body.status === "PAUSED",
    );
    await postFixture(account.appSecret, "template-status-reinstated", vars);
    await eventually(
      () => getTemplate(p.sender, templateId),
      (r) => r.body.status === "APPROVED",
    );
    expect((await getApiCampaign(p.sender, campaignId)).body).toMatchObject({ status: "paused", pausedReason: null });
  });

  it("holds a broadcast run mid-way with the reason, sends nothing while held, and completes it on REINSTATED, each recipient once", async () => {
    const { p, account, members, c } = await broadcastUnderWay("+9174000001");
    const templateId = (
      await env.DB.prepare("SELECT template_id FROM campaigns WHERE id = ?").bind(c.campaignId).first<{
        template_id: string;
      }>()
    )?.template_id as string;
    const vars = await templateVars(templateId, account.wabaId);

    const run = (await ok(runCampaign(p.manager, { campaignId: c.campaignId, audiences: ["all"] }), 202)).run;
    await postFixture(account.appSecret, "template-status-paused", vars);
    const held = await runReaches(p.manager, run.runId, ["waiting_template", "completed"]);
    expect(held).toMatchObject({
      status: "waiting_template",
      statusReason: `template "${vars.TEMPLATE_NAME}" is paused by WhatsApp (${REASON})`,
    });
    // Whatever was already in flight settles; then nothing of the run is sent while it is held.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const before = (await sentTo(account)).length;
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await sentTo(account)).length).toBe(before);
    expect(before).toBeLessThan(members.length);
    expect((await getRun(p.manager, run.runId)).body.run.status).toBe("waiting_template");

    await postFixture(account.appSecret, "template-status-reinstated", vars);
    await runReaches(p.manager, run.runId, ["completed"], 40_000);
    expect((await sentTo(account)).sort()).toEqual([...members].sort());
    expect((await runMessages(run.runId)).every((r) => r.status === "sent")).toBe(true);
  });

  it("REJECTED shows Meta's reason and rejection info; FLAGGED keeps the template approved with its disable date", async () => {
    const { p, account } = await connectedProject({ autoApprove: false });
    const created = await ok(
      call("POST", "/v1/templates", {
        key: p.manager,
        body: {
          name: "order_update",
          language: "en_US",
          category: "UTILITY",
          body: { text: "Hi {{1}}, your order {{2}} is on its way.", examples: ["Asha", "#1"] },
        },
      }),
      201,
    );
    expect(created.status).toBe("PENDING");
    const vars = await templateVars(created.id, account.wabaId);
    await postFixture(account.appSecret, "template-status-rejected", vars);
    const rejected = await eventually(
      () => getTemplate(p.sender, created.id),
      (r) => r.body.status === "REJECTED",
    );
    expect(rejected.body).toMatchObject({
      rejectedReason: "INVALID_FORMAT",
      rejectionInfo: {
        reason: "The template has too many variables for its length.",
        recommendation: "Add more text around the variables, or use fewer of them.",
      },
      statusEvent: { event: "REJECTED", reason: "INVALID_FORMAT" },
    });

    await env.DB.prepare("UPDATE templates SET status = 'APPROVED', rejected_reason = NULL WHERE id = ?")
      .bind(created.id)
      .run();
    await postFixture(account.appSecret, "template-status-flagged", vars);
    const flagged = await eventually(
      () => getTemplate(p.sender, created.id),
      (r) => r.body.statusEvent?.event === "FLAGGED",
    );
    expect(flagged.body).toMatchObject({
      status: "APPROVED",
      statusEvent: { event: "FLAGGED", reason: null, disableDate: "1765171200" },
    });
  });

  it("PENDING_DELETION removes the template", async () => {
    const { p, account, templateId } = await metaCampaign();
    await postFixture(
      account.appSecret,
      "template-status-pending-deletion",
      await templateVars(templateId, account.wabaId),
    );
    await eventually(
      () => getTemplate(p.sender, templateId),
      (r) => r.status === 404,
    );
  });

  it("DISABLED then REINSTATED in one events batch ends with the campaign live, and either order of two batches agrees with the template", async () => {
    const { p, account, campaignId, templateId } = await metaCampaign();
    const vars = await templateVars(templateId, account.wabaId);
    const body = (name: string) => ({
      kind: "whatsapp-webhook",
      source: "meta",
      projectId: p.id,
      receivedAt: Date.now(),
      payload: fill(name, vars),
    });
    // Meta's order within one batch: disabled, then reinstated. Each reads the template and
    // writes it; applied at once, both read it approved and the campaign stayed held.
    await runQueue("wa-campaigns-events", [body("template-status-disabled"), body("template-status-reinstated")]);
    expect((await getTemplate(p.sender, templateId)).body).toMatchObject({ status: "APPROVED" });
    expect((await getApiCampaign(p.sender, campaignId)).body).toMatchObject({ status: "live", pausedReason: null });

    // Two invocations at once (Cloudflare runs up to 250): whichever lands last, the campaign
    // follows the template's final status, never held under an approved template.
    for (let round = 0; round < 4; round++) {
      await Promise.all([
        runQueue("wa-campaigns-events", [body("template-status-disabled")]),
        runQueue("wa-campaigns-events", [body("template-status-reinstated")]),
      ]);
      const template = (await getTemplate(p.sender, templateId)).body;
      const campaign = (await getApiCampaign(p.sender, campaignId)).body;
      expect(campaign.status, `round ${round}`).toBe(template.status === "APPROVED" ? "live" : "paused");
    }
  });
});

describe("template_category_update", { timeout: 60_000 }, () => {
  it("an announced change is shown and changes nothing; the change itself makes the opt-out rule apply at the next send", async () => {
    const { p, account, campaignId, templateId } = await metaCampaign();
    const vars = await templateVars(templateId, account.wabaId);
    const number = "+917400000201";
    await ok(call("POST", "/v1/contacts", { key: p.manager, body: { number, optedOut: true } }), 201);
    // UTILITY: the opt-out from marketing does not apply.
    expect((await send(p.sender, number)).body).toMatchObject({ status: "queued", skipReason: null });

    await postFixture(account.appSecret, "template-category-update-upcoming", vars);
    const announced = await eventually(
      () => getTemplate(p.sender, templateId),
      (r) => r.body.categoryChange !== undefined,
    );
    expect(announced.body).toMatchObject({
      category: "UTILITY",
      categoryChange: {
        state: "upcoming",
        from: "UTILITY",
        to: "MARKETING",
        effectiveAt: "2026-01-01T00:00:00.000Z",
        campaigns: 1,
      },
    });
    expect((await send(p.sender, number)).body).toMatchObject({ status: "queued" });

    await postFixture(account.appSecret, "template-category-update", vars);
    const changed = await eventually(
      () => getTemplate(p.sender, templateId),
      (r) => r.body.category === "MARKETING",
    );
    expect(changed.body.categoryChange).toMatchObject({
      state: "changed",
      from: "UTILITY",
      to: "MARKETING",
      campaigns: 1,
    });
    expect((await getApiCampaign(p.sender, campaignId)).body.template).toMatchObject({ category: "MARKETING" });
    expect((await send(p.sender, number)).body).toMatchObject({ status: "skipped", skipReason: "opted_out" });
  });

  it("a broadcast campaign's template type follows its template", async () => {
    const { p, account } = await connectedProject({ autoApprove: true });
    await group(p.manager, "users", ["first_name", "code"], [{ number: "+917400000301", first_name: "A", code: "1" }]);
    const c = await campaign(p.manager);
    const templateId = (
      await env.DB.prepare("SELECT template_id FROM campaigns WHERE id = ?").bind(c.campaignId).first<{
        template_id: string;
      }>()
    )?.template_id as string;
    const vars = await templateVars(templateId, account.wabaId);
    // Meta moves it the other way too (MARKETING → UTILITY); the fixture's categories are swapped here.
    await env.DB.prepare("UPDATE templates SET category = 'UTILITY' WHERE id = ?").bind(templateId).run();
    await env.DB.prepare("UPDATE campaigns SET category = 'UTILITY' WHERE id = ?").bind(c.campaignId).run();
    await postFixture(account.appSecret, "template-category-update", vars);
    const typeOf = async () =>
      (await call("GET", "/v1/retrieve/campaigns", { key: p.manager })).body.campaigns.find(
        (x: { campaignId: string }) => x.campaignId === c.campaignId,
      )?.templateType;
    await eventually(typeOf, (type) => type === "MARKETING");
  });
});

describe("message_template_quality_update", { timeout: 30_000 }, () => {
  it("shows the quality score with the template, and changes nothing else", async () => {
    const { p, account, campaignId, templateId } = await metaCampaign();
    await postFixture(account.appSecret, "template-quality-update", await templateVars(templateId, account.wabaId));
    const got = await eventually(
      () => getTemplate(p.sender, templateId),
      (r) => r.body.quality !== undefined,
    );
    expect(got.body).toMatchObject({
      status: "APPROVED",
      quality: { score: "RED", previousScore: "GREEN", updatedAt: expect.any(String) },
    });
    expect((await getApiCampaign(p.sender, campaignId)).body.status).toBe("live");
  });
});

describe("an unreadable template change", { timeout: 30_000 }, () => {
  it("is kept as a dead letter with the reason, the POST still answered 200, the template unchanged", async () => {
    const { p, account, templateId } = await metaCampaign();
    const payload = fill("template-quality-update", await templateVars(templateId, account.wabaId)) as {
      entry: { changes: { value: Record<string, unknown> }[] }[];
    };
    const value = payload.entry[0]?.changes[0]?.value as Record<string, unknown>;
    delete value.new_quality_score;
    await postPayload(account.appSecret, payload);
    const letters = await eventually(
      () => call("GET", `/v1/admin/dead-letters?projectId=${p.id}`, { admin: true }),
      (r) => r.status === 200 && r.body.data.length > 0,
    );
    expect(letters.body.data.map((l: { reason: string }) => l.reason)).toEqual([
      "unreadable `message_template_quality_update` change: the fields it needs are missing or malformed",
    ]);
    expect((await getTemplate(p.sender, templateId)).body.quality).toBeUndefined();
  });
});
