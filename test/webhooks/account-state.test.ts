import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { liftExpiredHolds } from "../../src/features/number-state/hold";
import { createLogger } from "../../src/platform/log";
import { apiJob, metaCampaign, runQueue } from "../delivery/pipeline.helpers";
import { call, db, expectError } from "../helpers";
import { eventually } from "../messages/messages.helpers";
import { getRun, ok, runCampaign, runMessages, runReaches } from "../runs/runs.helpers";
import { receivedSends, type StandInAccount } from "../standin/standin.helpers";
import { broadcastUnderWay, fixture, fixtureNames, postFixture } from "./state-fixtures";

// Meta's number and account webhooks (phone_number_quality_update, account_update), each from a
// fixture of test/fixtures/webhooks/, posted signed through POST /webhooks/whatsapp and checked
// through the API: the operator's account answer, the campaigns and runs, and what reached the
// Graph API stand-in.

const accountOf = (projectId: string) => call("GET", `/v1/admin/projects/${projectId}/whatsapp`, { admin: true });
const getApiCampaign = (key: string, id: string) => call("GET", `/v1/api-campaigns/${id}`, { key });

const sentTo = async (account: StandInAccount) =>
  (await receivedSends(account)).filter((s) => s.accepted).map((s) => `+${(s.body as { to: string }).to}`);

const send = (key: string, destination: string) =>
  call("POST", "/campaign/t1/api/v2", {
    body: { apiKey: key, campaignName: "orders", destination, userName: "Asha", templateParams: ["Asha", "#1"] },
  });

const FAR = "2099-04-19T13:59:20+0000";
const RESTRICTED = "WhatsApp restricted business-initiated messaging on this account until 2099-04-19T13:59:20.000Z";

describe("number and account webhook fixtures", () => {
  it("has fixtures for both fields, each naming the reference page it follows", () => {
    const names = fixtureNames().filter((n) => n.startsWith("number-") || n.startsWith("account-"));
    const pages = new Set<string>();
    for (const name of names) {
      const { source, payload } = fixture(name);
      const field = (payload as { entry: { changes: { field: string }[] }[] }).entry[0]?.changes[0]?.field;
      expect(source, name).toBe(
        `https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/${field}`,
      );
      pages.add(field ?? "");
    }
    expect(pages).toEqual(new Set(["phone_number_quality_update", "account_update"]));
  });
});

describe("phone_number_quality_update", { timeout: 30_000 }, () => {
  it("shows the number's quality event and messaging limit on the account, and holds nothing", async () => {
    const { p, account, campaignId } = await metaCampaign();
    expect((await accountOf(p.id)).body.numberState).toBeUndefined();
    await postFixture(account.appSecret, "number-quality-update", { WABA_ID: account.wabaId });
    const upgraded = await eventually(
      () => accountOf(p.id),
      (r) => r.body.numberState !== undefined,
    );
    expect(upgraded.body.numberState).toEqual({
      displayPhoneNumber: "15550783881",
      event: "UPGRADE",
      messagingLimit: "TIER_10K",
      previousMessagingLimit: "TIER_2K",
      businessMessagingLimit: "TIER_10K",
      updatedAt: expect.any(String),
    });

    await postFixture(account.appSecret, "number-quality-flagged", { WABA_ID: account.wabaId });
    const flagged = await eventually(
      () => accountOf(p.id),
      (r) => r.body.numberState?.event === "FLAGGED",
    );
    expect(flagged.body.numberState).toMatchObject({ messagingLimit: "TIER_10K", businessMessagingLimit: "TIER_10K" });
    expect(flagged.body.hold).toBeUndefined();
    expect((await getApiCampaign(p.sender, campaignId)).body.status).toBe("live");
  });
});

describe("account_update", { timeout: 60_000 }, () => {
  it("a restriction of business-initiated messaging holds the campaigns with the reason, and its lifting sends what was held, once", async () => {
    const { p, account, campaignId, templateId } = await metaCampaign();
    const other = await ok(
      call("POST", "/v1/api-campaigns", { key: p.manager, body: { name: "paused by hand", templateId } }),
      201,
    );
    await ok(call("POST", `/v1/api-campaigns/${other.id}/pause`, { key: p.manager }), 200);

    await postFixture(account.appSecret, "account-update-restriction", { WABA_ID: account.wabaId, EXPIRATION: FAR });
    const restricted = await eventually(
      () => accountOf(p.id),
      (r) => r.body.hold !== undefined,
    );
    expect(restricted.body).toMatchObject({
      accountState: {
        event: "ACCOUNT_RESTRICTION",
        restrictions: [
          { type: "RESTRICTED_BIZ_INITIATED_MESSAGING", expiresAt: "2099-04-19T13:59:20.000Z" },
          { type: "RESTRICTED_ADD_PHONE_NUMBER_ACTION", expiresAt: "2099-04-19T13:59:20.000Z" },
        ],
        ban: null,
        violation: null,
        deleted: false,
      },
      hold: { reason: RESTRICTED, until: "2099-04-19T13:59:20.000Z" },
    });
    expect((await getApiCampaign(p.sender, campaignId)).body).toMatchObject({
      status: "paused",
      pausedReason: RESTRICTED,
    });
    const refused = await send(p.sender, "+917400000401");
    expectError(refused, 409, "conflict", ["campaignName"]);
    expect(refused.body.error.message).toContain(RESTRICTED);
    const job = apiJob(p.id, campaignId, templateId, "+917400000402");
    await runQueue("wa-campaigns-sends", [job]);
    expect((await call("GET", `/v1/messages/${job.messageId}`, { key: p.sender })).body.status).toBe("queued");

    // A repeated delivery of the same update changes nothing.
    await postFixture(account.appSecret, "account-update-restriction", { WABA_ID: account.wabaId, EXPIRATION: FAR });
    await postFixture(account.appSecret, "account-update-restriction-lifted", { WABA_ID: account.wabaId });
    const lifted = await eventually(
      () => accountOf(p.id),
      (r) => r.body.hold === undefined,
    );
    expect(lifted.body.accountState).toMatchObject({ event: "ACCOUNT_RESTRICTION", restrictions: [] });
    expect((await getApiCampaign(p.sender, campaignId)).body).toMatchObject({ status: "live", pausedReason: null });
    // A campaign a person paused stays paused.
    expect((await getApiCampaign(p.sender, other.id)).body.status).toBe("paused");
    await eventually(
      () => call("GET", `/v1/messages/${job.messageId}`, { key: p.sender }),
      (r) => r.body.status === "sent",
    );
    expect(await sentTo(account)).toEqual(["+917400000402"]);
  });

  it("a restriction Meta lets expire is lifted by the every-minute sweep", async () => {
    const { p, account, campaignId } = await metaCampaign();
    const expiry = new Date(Date.now() + 60 * 60_000).toISOString().replace(/\.\d{3}Z$/, "+0000");
    await postFixture(account.appSecret, "account-update-restriction", { WABA_ID: account.wabaId, EXPIRATION: expiry });
    await eventually(
      () => getApiCampaign(p.sender, campaignId),
      (r) => r.body.status === "paused",
    );
    const log = createLogger({ test: "holds" }, "error");
    // Before the expiry nothing lifts; after it, the sweep resumes the campaign.
    await liftExpiredHolds({ db: db(), log, env }, Date.now());
    expect((await getApiCampaign(p.sender, campaignId)).body.status).toBe("paused");
    await liftExpiredHolds({ db: db(), log, env }, Date.now() + 2 * 60 * 60_000);
    expect((await getApiCampaign(p.sender, campaignId)).body).toMatchObject({ status: "live", pausedReason: null });
    expect((await accountOf(p.id)).body.hold).toBeUndefined();
  });

  it("a disabled account holds a broadcast run mid-way, and its reinstatement completes it, each recipient once", async () => {
    const { p, account, members, c } = await broadcastUnderWay("+9174000005");
    const run = (await ok(runCampaign(p.manager, { campaignId: c.campaignId, audiences: ["all"] }), 202)).run;
    await postFixture(account.appSecret, "account-update-disabled", { WABA_ID: account.wabaId });
    const reason = "WhatsApp disabled this WhatsApp Business Account (December 1, 2026)";
    const held = await runReaches(p.manager, run.runId, ["paused", "completed"]);
    expect(held).toMatchObject({ status: "paused", statusReason: reason });
    expect((await accountOf(p.id)).body.hold).toEqual({ reason, until: null });
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const before = (await sentTo(account)).length;
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await sentTo(account)).length).toBe(before);
    expect(before).toBeLessThan(members.length);

    await postFixture(account.appSecret, "account-update-reinstated", { WABA_ID: account.wabaId });
    await runReaches(p.manager, run.runId, ["completed"], 40_000);
    expect((await accountOf(p.id)).body).toMatchObject({ accountState: { ban: { state: "REINSTATE" } } });
    expect((await accountOf(p.id)).body.hold).toBeUndefined();
    expect((await sentTo(account)).sort()).toEqual([...members].sort());
    expect((await runMessages(run.runId)).every((r) => r.status === "sent")).toBe(true);
    expect((await getRun(p.manager, run.runId)).body.run.statusReason).toBeNull();
  });

  it("a template reinstated while the account is held hands its campaign over to the account's hold", async () => {
    const { p, account, campaignId, templateId } = await metaCampaign();
    const row = await env.DB.prepare("SELECT name, provider_template_id FROM templates WHERE id = ?")
      .bind(templateId)
      .first<{ name: string; provider_template_id: string }>();
    const template = {
      WABA_ID: account.wabaId,
      TEMPLATE_ID: Number(row?.provider_template_id),
      TEMPLATE_NAME: row?.name ?? "",
    };
    await postFixture(account.appSecret, "template-status-paused", template);
    await eventually(
      () => getApiCampaign(p.sender, campaignId),
      (r) => r.body.status === "paused",
    );
    await postFixture(account.appSecret, "account-update-restriction", { WABA_ID: account.wabaId, EXPIRATION: FAR });
    await eventually(
      () => accountOf(p.id),
      (r) => r.body.hold !== undefined,
    );
    const job = apiJob(p.id, campaignId, templateId, "+917400000701");
    await runQueue("wa-campaigns-sends", [job]);

    await postFixture(account.appSecret, "template-status-reinstated", template);
    const handed = await eventually(
      () => getApiCampaign(p.sender, campaignId),
      (r) => r.body.pausedReason === RESTRICTED,
    );
    expect(handed.body).toMatchObject({ status: "paused", template: { status: "APPROVED" } });
    expect(await sentTo(account)).toEqual([]);

    await postFixture(account.appSecret, "account-update-restriction-lifted", { WABA_ID: account.wabaId });
    await eventually(
      () => call("GET", `/v1/messages/${job.messageId}`, { key: p.sender }),
      (r) => r.body.status === "sent",
    );
    expect((await getApiCampaign(p.sender, campaignId)).body).toMatchObject({ status: "live", pausedReason: null });
    expect(await sentTo(account)).toEqual(["+917400000701"]);
  });

  it("a violation is shown on the account and holds nothing", async () => {
    const { p, account, campaignId } = await metaCampaign();
    await postFixture(account.appSecret, "account-update-violation", { WABA_ID: account.wabaId });
    const shown = await eventually(
      () => accountOf(p.id),
      (r) => r.body.accountState !== undefined,
    );
    expect(shown.body.accountState).toMatchObject({ event: "ACCOUNT_VIOLATION", violation: { type: "SCAM" } });
    expect(shown.body.hold).toBeUndefined();
    expect((await send(p.sender, "+917400000601")).body).toMatchObject({ status: "queued" });
    expect((await getApiCampaign(p.sender, campaignId)).body.status).toBe("live");
  });

  it("an update signed for one account cannot touch another project's account", async () => {
    const victim = await metaCampaign();
    const attacker = await metaCampaign();
    // Signed with the attacker's app secret, naming the victim's WhatsApp Business Account.
    const result = await postFixture(attacker.account.appSecret, "account-update-disabled", {
      WABA_ID: victim.account.wabaId,
    });
    expect(result).toMatchObject({ received: 0 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await accountOf(victim.p.id)).body.hold).toBeUndefined();
    expect((await getApiCampaign(victim.p.sender, victim.campaignId)).body.status).toBe("live");
  });
});
