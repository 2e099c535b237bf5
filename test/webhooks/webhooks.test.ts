import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { statusPayload } from "../../src/whatsapp/webhook/payload";
import { call, db, expectError, newProject } from "../helpers";
import { attachMetaAccount, sign } from "../inbound/inbound.helpers";
import { eventually, getMessage, insertQueuedMessage, templateMessage } from "../messages/messages.helpers";

/** A project connected to a Meta account, with the account's ids and secrets. */
async function metaProject() {
  const p = await newProject();
  return { ...p, ...(await attachMetaAccount(p.id)) };
}

const post = (body: string, headers: Record<string, string>) =>
  exports.default.fetch(
    new Request("https://api.test/webhooks/whatsapp", {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    }),
  );

describe("GET /webhooks/whatsapp (verification)", () => {
  it("echoes the challenge as plain text for a project's verify token", async () => {
    const p = await metaProject();
    const response = await exports.default.fetch(
      `https://api.test/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(p.verifyToken)}&hub.challenge=1158201444`,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await response.text()).toBe("1158201444");
  });

  it.each([
    ["a wrong token", "hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1"],
    ["a wrong mode", "hub.mode=unsubscribe&hub.verify_token=TOKEN&hub.challenge=1"],
    ["no challenge", "hub.mode=subscribe&hub.verify_token=TOKEN"],
    ["nothing", ""],
  ])("answers 403 for %s", async (_label, query) => {
    const p = await metaProject();
    const result = await call("GET", `/webhooks/whatsapp?${query.replace("TOKEN", encodeURIComponent(p.verifyToken))}`);
    expectError(result, 403, "forbidden");
  });
});

describe("POST /webhooks/whatsapp", { timeout: 30_000 }, () => {
  async function setup() {
    const p = await metaProject();
    const id = await insertQueuedMessage(db(), {
      projectId: p.id,
      number: "+917428526285",
      templateId: null,
      payload: templateMessage("+917428526285"),
    });
    await env.DB.prepare("UPDATE messages SET status = 'sent', wamid = ? WHERE id = ?").bind(`wamid.${id}`, id).run();
    const body = JSON.stringify(
      statusPayload({
        wabaId: p.wabaId,
        phoneNumberId: p.phoneNumberId,
        wamid: `wamid.${id}`,
        status: "delivered",
        recipient: "+917428526285",
        at: 1_700_000_000_000,
        callbackData: `${id}||`,
      }),
    );
    return { p, id, body };
  }

  it("accepts a correctly signed status and applies it through the events queue", async () => {
    const { p, id, body } = await setup();
    const response = await post(body, { "x-hub-signature-256": await sign(p.appSecret, body) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: 1 });
    const done = await eventually(
      () => getMessage(p.sender, id),
      (r) => r.body.status === "delivered",
    );
    expect(done.body.deliveredAt).toBe(new Date(1_700_000_000_000).toISOString());
  });

  it("falls back to the wamid when the callback data is absent", async () => {
    const { p, id } = await setup();
    const body = JSON.stringify(
      statusPayload({
        wabaId: p.wabaId,
        phoneNumberId: p.phoneNumberId,
        wamid: `wamid.${id}`,
        status: "read",
        recipient: "+917428526285",
        at: 1_700_000_100_000,
      }),
    );
    const response = await post(body, { "x-hub-signature-256": await sign(p.appSecret, body) });
    expect(response.status).toBe(200);
    await eventually(
      () => getMessage(p.sender, id),
      (r) => r.body.status === "read",
    );
  });

  it.each([
    ["no signature", async () => ({})],
    [
      "a signature under another secret",
      async (body: string) => ({ "x-hub-signature-256": await sign("wrong", body) }),
    ],
    ["a malformed signature", async () => ({ "x-hub-signature-256": "sha256=xyz" })],
    [
      "a signature of other bytes",
      async (body: string, secret: string) => ({ "x-hub-signature-256": await sign(secret, `${body} `) }),
    ],
  ])("answers 401 for %s and changes nothing", async (_label, headers) => {
    const { p, id, body } = await setup();
    const response = await post(body, await headers(body, p.appSecret));
    expect(response.status).toBe(401);
    const envelope = (await response.json()) as { error: { code: string } };
    expect(envelope.error.code).toBe("unauthorized");
    // Nothing was queued: the message stays as it was.
    const check = await getMessage(p.sender, id);
    expect(check.body.status).toBe("sent");
    expect(check.body.history.map((h: { status: string }) => h.status)).toEqual(["queued"]);
  });

  it("verifies the signature over the exact bytes: re-serialised JSON does not pass", async () => {
    const { p, body } = await setup();
    const pretty = JSON.stringify(JSON.parse(body), null, 2);
    const response = await post(pretty, { "x-hub-signature-256": await sign(p.appSecret, body) });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
  });

  it("answers 401 for a payload whose account is unknown", async () => {
    const body = JSON.stringify(
      statusPayload({
        wabaId: "nobody",
        phoneNumberId: "nobody",
        wamid: "wamid.x",
        status: "sent",
        recipient: "+1",
        at: 0,
      }),
    );
    const response = await post(body, { "x-hub-signature-256": await sign("any", body) });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
  });
});
