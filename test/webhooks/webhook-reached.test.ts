import { env, exports } from "cloudflare:workers";
import type { Context } from "hono";
import { describe, expect, it } from "vitest";
import { noteWebhookReached } from "../../src/features/webhooks/reached";
import type { AppEnv } from "../../src/platform/http/context";
import { statusPayload } from "../../src/whatsapp/webhook/payload";
import { call, newProject } from "../helpers";
import { attachMetaAccount, postSigned } from "../inbound/inbound.helpers";
import { eventually } from "../messages/messages.helpers";

// whatsapp_accounts.webhook_at: when Meta's webhook last reached the Worker for an account, shown to
// the operator as `lastWebhookAt`. Written after the answer (waitUntil), at most once a minute.

async function metaProject() {
  const p = await newProject("webhook reached");
  return { ...p, account: await attachMetaAccount(p.id) };
}

const webhookAt = async (projectId: string) =>
  (
    await env.DB.prepare("SELECT webhook_at FROM whatsapp_accounts WHERE project_id = ?")
      .bind(projectId)
      .first<{ webhook_at: number | null }>()
  )?.webhook_at ?? null;

const accountOf = (projectId: string) => call("GET", `/v1/admin/projects/${projectId}/whatsapp`, { admin: true });

const statusFor = (account: { wabaId: string; phoneNumberId: string }) =>
  statusPayload({
    wabaId: account.wabaId,
    phoneNumberId: account.phoneNumberId,
    wamid: `wamid.reached.${crypto.randomUUID()}`,
    status: "delivered",
    recipient: "+917428526285",
    at: 1_700_000_000_000,
  });

describe("lastWebhookAt", { timeout: 30_000 }, () => {
  it("is null until Meta's verification with the account's verify token reaches the Worker", async () => {
    const p = await metaProject();
    const other = await metaProject();
    expect((await accountOf(p.id)).body.lastWebhookAt).toBeNull();
    const before = Date.now();
    const response = await exports.default.fetch(
      `https://api.test/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(p.account.verifyToken)}&hub.challenge=42`,
    );
    expect(await response.text()).toBe("42");
    const reached = await eventually(
      () => accountOf(p.id),
      (r) => r.body.lastWebhookAt !== null,
    );
    expect(Date.parse(reached.body.lastWebhookAt)).toBeGreaterThanOrEqual(before - 1);
    expect(await webhookAt(other.id)).toBeNull();
  });

  it("is not set by a verification that fails", async () => {
    const p = await metaProject();
    const result = await call(
      "GET",
      "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=not-the-token&hub.challenge=1",
    );
    expect(result.status).toBe(403);
    await new Promise((r) => setTimeout(r, 300));
    expect(await webhookAt(p.id)).toBeNull();
  });

  it("is set by a signed POST naming the account's number, once a minute, and leaves other accounts alone", async () => {
    const p = await metaProject();
    const other = await metaProject();
    expect((await postSigned(p.account.appSecret, statusFor(p.account))).status).toBe(200);
    const first = await eventually(
      () => webhookAt(p.id),
      (at) => at !== null,
    );
    expect(first).toBeGreaterThan(0);
    expect(await webhookAt(other.id)).toBeNull();

    // Within the minute a second POST writes nothing: a marker put in the column stays.
    await env.DB.prepare("UPDATE whatsapp_accounts SET webhook_at = 1 WHERE project_id = ?").bind(p.id).run();
    expect((await postSigned(p.account.appSecret, statusFor(p.account))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(await webhookAt(p.id)).toBe(1);
    expect((await accountOf(p.id)).body.lastWebhookAt).toBe(new Date(1).toISOString());

    // The other account's own POST is its own first one: written.
    expect((await postSigned(other.account.appSecret, statusFor(other.account))).status).toBe(200);
    await eventually(
      () => webhookAt(other.id),
      (at) => at !== null,
    );
    expect(await webhookAt(p.id)).toBe(1);
  });

  it("is not set by an unsigned POST", async () => {
    const p = await metaProject();
    const response = await exports.default.fetch(
      new Request("https://api.test/webhooks/whatsapp", {
        method: "POST",
        headers: { "content-type": "application/json", "x-hub-signature-256": "sha256=00" },
        body: JSON.stringify(statusFor(p.account)),
      }),
    );
    expect(response.status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(await webhookAt(p.id)).toBeNull();
  });

  it("notes a payload naming more projects than D1 binds parameters, in one statement", async () => {
    // D1 refuses a statement's 101st bound value (test/d1-limits.ts plays it): the project list
    // travels as one JSON value.
    const first = await metaProject();
    const last = await metaProject();
    const ids = [first.id, ...Array.from({ length: 120 }, (_, i) => `prj_none${i}`), last.id];
    const deferred: Promise<unknown>[] = [];
    const warnings: unknown[] = [];
    const c = {
      env,
      executionCtx: { waitUntil: (work: Promise<unknown>) => deferred.push(work) },
      var: { log: { warn: (...args: unknown[]) => warnings.push(args) } },
    } as unknown as Context<AppEnv>;
    noteWebhookReached(c, ids, 1_234);
    await Promise.all(deferred);
    expect(warnings).toEqual([]);
    expect(await webhookAt(first.id)).toBe(1_234);
    expect(await webhookAt(last.id)).toBe(1_234);
  });
});
