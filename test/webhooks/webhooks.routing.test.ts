import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { WebhookPayload } from "../../src/whatsapp/webhook/payload";
import { statusPayload } from "../../src/whatsapp/webhook/payload";
import { db, newProject } from "../helpers";
import {
  attachMetaAccount,
  contactRow,
  messagesValue,
  NUMBER,
  postSigned,
  sign,
  text,
} from "../inbound/inbound.helpers";
import { eventually, insertQueuedMessage, messageRow, templateMessage } from "../messages/messages.helpers";

// Several projects may use numbers of one Meta app, whose one app secret signs every webhook, and
// Meta may put changes for several of those numbers in one POST. Each change belongs to the
// project that owns its number.

/** A project on a Meta account of the app whose secret is `appSecret`. */
async function projectOnApp(appSecret: string) {
  const p = await newProject();
  return { ...p, ...(await attachMetaAccount(p.id, { appSecret })) };
}

async function sentMessageOf(projectId: string) {
  const id = await insertQueuedMessage(db(), {
    projectId,
    number: NUMBER,
    templateId: null,
    payload: templateMessage(NUMBER),
  });
  await env.DB.prepare("UPDATE messages SET status = 'sent', wamid = ? WHERE id = ?").bind(`wamid.${id}`, id).run();
  return id;
}

const post = (body: string, signature: string) =>
  exports.default.fetch(
    new Request("https://api.test/webhooks/whatsapp", {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": signature },
      body,
    }),
  );

describe("POST /webhooks/whatsapp: one app, several projects", { timeout: 30_000 }, () => {
  it("applies each change of one payload to the project that owns its number", async () => {
    const secret = `shared-app-secret-${crypto.randomUUID()}`;
    const a = await projectOnApp(secret);
    const b = await projectOnApp(secret);
    const messageA = await sentMessageOf(a.id);
    const messageB = await sentMessageOf(b.id);
    // Both projects know the same person.
    for (const p of [a, b]) {
      await env.DB.prepare(
        "INSERT INTO contacts (project_id, number, name, opted_out, created_at, updated_at) VALUES (?, ?, 'Asha', 0, 0, 0) ON CONFLICT DO NOTHING",
      )
        .bind(p.id, NUMBER)
        .run();
    }
    const status = (p: typeof a, id: string) =>
      statusPayload({
        wabaId: p.wabaId,
        phoneNumberId: p.phoneNumberId,
        wamid: `wamid.${id}`,
        status: "delivered",
        recipient: NUMBER,
        at: 1_700_000_000_000,
        callbackData: `${id}||`,
      }).entry[0];
    // One POST: a status for A's message, a status for B's, and a STOP written to B's number.
    const payload: WebhookPayload = {
      object: "whatsapp_business_account",
      entry: [
        status(a, messageA),
        status(b, messageB),
        { id: b.wabaId, changes: [{ field: "messages", value: messagesValue([text("STOP")], b.phoneNumberId) }] },
      ].flatMap((e) => (e ? [e] : [])),
    };
    const response = await postSigned(secret, payload);
    expect(response).toEqual({ status: 200, body: { received: 3 } });

    await eventually(
      async () => [(await messageRow(messageA))?.status, (await messageRow(messageB))?.status],
      (statuses) => statuses.every((s) => s === "delivered"),
    );
    await eventually(
      () => contactRow(b.id),
      (row) => row?.opted_out === 1,
    );
    // The STOP was written to B's number: A's contact is untouched.
    expect((await contactRow(a.id))?.opted_out).toBe(0);
  });

  it("checks the signature before reading the body: a signed body that is not JSON is a 400", async () => {
    const secret = `app-secret-${crypto.randomUUID()}`;
    await projectOnApp(secret);
    const body = "{not json";
    const response = await post(body, await sign(secret, body));
    expect(response.status).toBe(400);
    const unsigned = await post(body, await sign("another secret", body));
    expect(unsigned.status).toBe(401);
  });

  it("accepts a signed change for a number no project has, and applies nothing", async () => {
    const secret = `app-secret-${crypto.randomUUID()}`;
    const p = await projectOnApp(secret);
    const payload = statusPayload({
      wabaId: p.wabaId,
      phoneNumberId: "someone-elses-number",
      wamid: "wamid.unknown",
      status: "sent",
      recipient: NUMBER,
      at: 0,
    });
    expect(await postSigned(secret, payload)).toEqual({ status: 200, body: { received: 0 } });
  });
});
