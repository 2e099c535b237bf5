import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { governorFor } from "../../src/durable-objects/send-governor";
import { READ_EVERY_MS, readDueThroughputs } from "../../src/features/number-state/throughput";
import { readConfig } from "../../src/platform/config";
import { createLogger } from "../../src/platform/log";
import { call, db, newProject } from "../helpers";
import { eventually, getMessage, insertQueuedMessage } from "../messages/messages.helpers";
import {
  injectError,
  metaProvider,
  registerAccount,
  STANDIN,
  type StandInAccount,
  seedTemplate,
} from "../standin/standin.helpers";
import { postFixture } from "../webhooks/state-fixtures";

// Throughput tiers: the number's level read from Meta (the Graph API stand-in here) when an operator
// connects the account, on Meta's number and account webhooks and from the every-minute cron, and
// the send cap that follows — HIGH 1,000/s, STANDARD 80/s — unless an operator typed one.

const setLevel = async (account: StandInAccount, level: "STANDARD" | "HIGH" | "NOT_APPLICABLE") => {
  const response = await fetch(`${STANDIN}/__standin/throughput`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ phoneNumberId: account.phoneNumberId, level }),
  });
  expect(response.status).toBe(200);
};

const accountOf = async (projectId: string) =>
  (await call("GET", `/v1/admin/projects/${projectId}/whatsapp`, { admin: true })).body;

async function connect(options: { level?: "STANDARD" | "HIGH"; throughput?: number } = {}) {
  const account = await registerAccount({ autoApprove: true });
  if (options.level) await setLevel(account, options.level);
  const p = await newProject("throughput");
  const put = await call("PUT", `/v1/admin/projects/${p.id}/whatsapp`, {
    admin: true,
    body: {
      provider: "meta",
      phoneNumberId: account.phoneNumberId,
      wabaId: account.wabaId,
      accessToken: account.accessToken,
      appSecret: account.appSecret,
      verifyToken: `verify-${p.id}`,
      ...(options.throughput === undefined ? {} : { throughput: options.throughput }),
    },
  });
  expect(put.status, JSON.stringify(put.body)).toBe(200);
  return { projectId: p.id, sender: p.sender, account, put: put.body };
}

const cronDeps = () => ({
  db: db(),
  log: createLogger({ test: "throughput" }, "error"),
  config: readConfig(env),
  events: env.EVENTS,
});

/**
 * Runs the cron's share as an hour and more from now, until these projects' numbers have been asked:
 * other test files' accounts may share the database and come first; each is asked once.
 */
let cronClock = Date.now();
async function cronUntilAsked(...projectIds: string[]) {
  // Each run an hour and more after the last, so a number asked before is due again.
  cronClock = Math.max(cronClock, Date.now()) + 2 * READ_EVERY_MS;
  const now = cronClock;
  for (let i = 0; i < 500; i++) {
    await readDueThroughputs(cronDeps(), now);
    const { results } = await env.DB.prepare(
      `SELECT json_extract(number_state, '$.throughputTriedAt') AS tried FROM whatsapp_accounts
       WHERE project_id IN (SELECT value FROM json_each(?))`,
    )
      .bind(JSON.stringify(projectIds))
      .all<{ tried: number | null }>();
    if (results.length === projectIds.length && results.every((r) => r.tried === now)) return;
  }
  throw new Error("the cron never asked for these numbers");
}

/** Sends one template message through the sends queue, so the number's governor books a slot at the account's cap. */
async function sendOne(projectId: string, sender: string, account: StandInAccount, to: string) {
  const id = await insertQueuedMessage(db(), {
    projectId,
    number: to,
    templateId: null,
    payload: { to, template: { name: "order_update", language: "en_US" }, body: ["Asha"] },
  });
  await env.SENDS.send({ kind: "send", projectId, messageId: id });
  await eventually(
    () => getMessage(sender, id),
    (r) => r.body.status === "sent",
  );
  return (await governorFor(env, account.phoneNumberId).snapshot()).pace.rate;
}

describe("throughput tiers", { timeout: 60_000 }, () => {
  it("connecting a number Meta reports HIGH gives it 1,000/s, and the governor paces it so", async () => {
    const { projectId, sender, account, put } = await connect({ level: "HIGH" });
    expect(put).toMatchObject({
      throughput: 1000,
      throughputSource: "meta",
      metaThroughput: { level: "HIGH", readAt: expect.any(String) },
    });
    expect(Date.now() - Date.parse(put.metaThroughput.readAt)).toBeLessThan(60_000);
    expect(await accountOf(projectId)).toEqual(put);
    await seedTemplate(account, {
      name: "order_update",
      category: "UTILITY",
      components: [{ type: "BODY", text: "Hi {{1}}" }],
    });
    expect(await sendOne(projectId, sender, account, "+917428526201")).toBe(1000);
  });

  it("a STANDARD number keeps 80/s; the cron reads it again after an hour and follows an upgrade, the governor too", async () => {
    const { projectId, sender, account, put } = await connect();
    expect(put).toMatchObject({ throughput: 80, throughputSource: "meta", metaThroughput: { level: "STANDARD" } });

    await setLevel(account, "HIGH");
    // Read within the hour: the cron does not ask again.
    await readDueThroughputs(cronDeps());
    expect((await accountOf(projectId)).throughput).toBe(80);

    await cronUntilAsked(projectId);
    const upgraded = await accountOf(projectId);
    expect(upgraded).toMatchObject({ throughput: 1000, throughputSource: "meta", metaThroughput: { level: "HIGH" } });
    expect(Date.parse(upgraded.metaThroughput.readAt)).toBeGreaterThanOrEqual(Date.parse(put.metaThroughput.readAt));

    await seedTemplate(account, {
      name: "order_update",
      category: "UTILITY",
      components: [{ type: "BODY", text: "Hi {{1}}" }],
    });
    expect(await sendOne(projectId, sender, account, "+917428526202")).toBe(1000);
  });

  it("reads the level again when Meta's quality webhook arrives, and lowers the cap with it", async () => {
    const { projectId, account } = await connect({ level: "HIGH" });
    expect((await accountOf(projectId)).throughput).toBe(1000);
    await setLevel(account, "STANDARD");
    await postFixture(account.appSecret, "number-quality-update", { WABA_ID: account.wabaId });
    const after = await eventually(
      () => accountOf(projectId),
      (a) => a.throughput === 80,
    );
    // The quality webhook's own state is there beside the level.
    expect(after).toMatchObject({
      throughput: 80,
      throughputSource: "meta",
      metaThroughput: { level: "STANDARD" },
      numberState: { event: "UPGRADE", messagingLimit: "TIER_10K" },
    });
  });

  it("reads the level again on an account_update webhook", async () => {
    const { projectId, account } = await connect();
    await setLevel(account, "HIGH");
    await postFixture(account.appSecret, "account-update-violation", { WABA_ID: account.wabaId });
    const after = await eventually(
      () => accountOf(projectId),
      (a) => a.throughput === 1000,
    );
    expect(after).toMatchObject({ throughputSource: "meta", metaThroughput: { level: "HIGH" } });
    expect(after.accountState).toBeDefined();
  });

  it("keeps a throughput the operator set, whatever Meta reports, and shows the level beside it", async () => {
    const { projectId, account, put } = await connect({ level: "HIGH", throughput: 200 });
    expect(put).toMatchObject({ throughput: 200, throughputSource: "operator", metaThroughput: { level: "HIGH" } });
    await setLevel(account, "STANDARD");
    await cronUntilAsked(projectId);
    expect(await accountOf(projectId)).toMatchObject({
      throughput: 200,
      throughputSource: "operator",
      metaThroughput: { level: "STANDARD" },
    });

    // Leaving `throughput` out hands the cap back to Meta's level.
    const again = await call("PUT", `/v1/admin/projects/${projectId}/whatsapp`, {
      admin: true,
      body: {
        provider: "meta",
        phoneNumberId: account.phoneNumberId,
        wabaId: account.wabaId,
        accessToken: account.accessToken,
        appSecret: account.appSecret,
        verifyToken: `verify-${projectId}`,
      },
    });
    expect(again.body).toMatchObject({
      throughput: 80,
      throughputSource: "meta",
      metaThroughput: { level: "STANDARD" },
    });
  });

  it("a read that fails changes nothing: not on connecting, not from the cron, not on a webhook", async () => {
    const account = await registerAccount();
    await setLevel(account, "HIGH");
    await injectError(account, { code: 1, mode: "next", count: 1, endpoint: "phone_number" });
    const p = { body: await newProject("throughput") };
    const body = {
      provider: "meta",
      phoneNumberId: account.phoneNumberId,
      wabaId: account.wabaId,
      accessToken: account.accessToken,
      appSecret: account.appSecret,
      verifyToken: `verify-${p.body.id}`,
    };
    const put = await call("PUT", `/v1/admin/projects/${p.body.id}/whatsapp`, { admin: true, body });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ throughput: 80, throughputSource: "meta" });
    expect(put.body.metaThroughput).toBeUndefined();

    const read = await call("PUT", `/v1/admin/projects/${p.body.id}/whatsapp`, { admin: true, body });
    expect(read.body).toMatchObject({ throughput: 1000, metaThroughput: { level: "HIGH" } });
    const before = await env.DB.prepare("SELECT throughput, number_state FROM whatsapp_accounts WHERE project_id = ?")
      .bind(p.body.id)
      .first<{ throughput: number; number_state: string }>();

    await setLevel(account, "STANDARD");
    await injectError(account, { code: 2, mode: "always", endpoint: "phone_number" });
    await cronUntilAsked(p.body.id);
    await postFixture(account.appSecret, "number-quality-flagged", { WABA_ID: account.wabaId });
    await eventually(
      () => accountOf(p.body.id),
      (a) => a.numberState?.event === "FLAGGED",
    );
    const after = await accountOf(p.body.id);
    expect(after).toMatchObject({
      throughput: 1000,
      throughputSource: "meta",
      metaThroughput: read.body.metaThroughput,
    });
    const row = await env.DB.prepare("SELECT throughput, number_state FROM whatsapp_accounts WHERE project_id = ?")
      .bind(p.body.id)
      .first<{ throughput: number; number_state: string }>();
    expect(row?.throughput).toBe(before?.throughput);
    const level = (s: string | undefined) => {
      const { throughputLevel, throughputReadAt } = JSON.parse(s ?? "{}");
      return { throughputLevel, throughputReadAt };
    };
    expect(level(row?.number_state)).toEqual(level(before?.number_state));
  });

  it("an account set before levels were read: a cap of 80 follows Meta, any other was the operator's", async () => {
    const high = await connect({ level: "HIGH", throughput: 80 });
    const typed = await connect({ level: "HIGH", throughput: 500 });
    // As rows written before the level was kept: no source, no level.
    for (const { projectId } of [high, typed]) {
      await env.DB.prepare("UPDATE whatsapp_accounts SET number_state = NULL WHERE project_id = ?")
        .bind(projectId)
        .run();
    }
    expect(await accountOf(high.projectId)).toMatchObject({ throughput: 80, throughputSource: "meta" });
    expect(await accountOf(typed.projectId)).toMatchObject({ throughput: 500, throughputSource: "operator" });
    await cronUntilAsked(high.projectId, typed.projectId);
    expect(await accountOf(high.projectId)).toMatchObject({ throughput: 1000, throughputSource: "meta" });
    expect(await accountOf(typed.projectId)).toMatchObject({ throughput: 500, throughputSource: "operator" });

    // Once raised by Meta's level, the first account still follows it down.
    await setLevel(high.account, "STANDARD");
    await cronUntilAsked(high.projectId);
    expect(await accountOf(high.projectId)).toMatchObject({ throughput: 80, throughputSource: "meta" });
  });
});

describe("the Meta provider's throughput read", () => {
  it("asks GET /{phone-number-id}?fields=throughput,… and returns the level and the messaging limit tier", async () => {
    const account = await registerAccount();
    expect(await metaProvider(account).readNumber()).toEqual({
      ok: true,
      level: "STANDARD",
      messagingLimit: "TIER_UNLIMITED",
    });
    await setLevel(account, "NOT_APPLICABLE");
    expect(await metaProvider(account).readNumber()).toEqual({
      ok: true,
      level: "NOT_APPLICABLE",
      messagingLimit: "TIER_UNLIMITED",
    });
    const wrongToken = await metaProvider(account, { accessToken: "EAAT-not-this-one" }).readNumber();
    expect(wrongToken).toMatchObject({ ok: false, error: { code: 190, httpStatus: 401 } });
  });

  it("refuses an answer without a level", async () => {
    const account = await registerAccount();
    const answer = await metaProvider(account, {
      fetch: async () => Response.json({ id: account.phoneNumberId }),
    }).readNumber();
    expect(answer).toMatchObject({ ok: false, error: { class: "unknown" } });
  });

  it("the stand-in's control API refuses a level it does not know", async () => {
    const account = await registerAccount();
    const response = await fetch(`${STANDIN}/__standin/throughput`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ phoneNumberId: account.phoneNumberId, level: "FAST" }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "level must be one of STANDARD, HIGH, NOT_APPLICABLE" });
  });
});
