import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { WebhookPayload } from "../../src/whatsapp/webhook/payload";
import { statusPayload } from "../../src/whatsapp/webhook/payload";
import { call, db, expectError, newProject } from "../helpers";
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

  it("checks the signature before reading the body: a signed body that is not JSON is kept as a dead letter, 200", async () => {
    // Issue 16 changed this answer from 400: a signed POST is never refused for its content (Meta
    // would retry it for days, then drop it); it is kept where an operator sees it.
    const secret = `app-secret-${crypto.randomUUID()}`;
    await projectOnApp(secret);
    const body = `{not json ${crypto.randomUUID()}`;
    const response = await post(body, await sign(secret, body));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: 0, deadLettered: 1 });
    const letter = await deadLetterWith((l) => (l.body as { raw?: string }).raw === body);
    expect(letter).toMatchObject({
      queue: "events",
      projectId: null,
      kind: "whatsapp-webhook-unrouted",
      attempts: 0,
      reason: "the signed body is not JSON",
      replayedAt: null,
    });
    // Nothing to route, ever: replaying says so and leaves it pending.
    const replay = await call("POST", `/v1/admin/dead-letters/${letter.id}/replay`, { admin: true });
    expectError(replay, 409, "conflict");
    const unsigned = await post(body, await sign("another secret", body));
    expect(unsigned.status).toBe(401);
  });

  it("routes the readable changes of a signed body whose other entries and changes cannot be read", async () => {
    const secret = `app-secret-${crypto.randomUUID()}`;
    const p = await projectOnApp(secret);
    const messageId = await sentMessageOf(p.id);
    const status = statusPayload({
      wabaId: p.wabaId,
      phoneNumberId: p.phoneNumberId,
      wamid: `wamid.${messageId}`,
      status: "delivered",
      recipient: NUMBER,
      at: 1_700_000_000_000,
    });
    const marker = crypto.randomUUID();
    const payload = {
      object: "whatsapp_business_account",
      entry: [
        { id: p.wabaId, changes: [{ field: 7, value: { marker } }, ...(status.entry[0]?.changes ?? [])] },
        { changes: "not a list", marker },
      ],
    };
    expect(await postSigned(secret, payload)).toEqual({ status: 200, body: { received: 1, deadLettered: 2 } });
    await eventually(
      async () => (await messageRow(messageId))?.status,
      (s) => s === "delivered",
    );
    const reasons = [
      (
        await deadLetterWith(
          (l) => JSON.stringify(l.body).includes(`"field":7`) && JSON.stringify(l.body).includes(marker),
        )
      ).reason,
      (
        await deadLetterWith(
          (l) => JSON.stringify(l.body).includes(`"changes":"not a list"`) && JSON.stringify(l.body).includes(marker),
        )
      ).reason,
    ];
    expect(reasons).toEqual([
      "entry[0].changes[0] has no `field` name or no `value` object",
      "entry[1] has no `id` or no `changes` array",
    ]);
  });

  it("keeps a signed change for a number no project has as a dead letter, and replays it once the number is connected", async () => {
    const secret = `app-secret-${crypto.randomUUID()}`;
    const p = await projectOnApp(secret);
    const phoneNumberId = `unconnected-${crypto.randomUUID()}`;
    const payload = {
      object: "whatsapp_business_account",
      entry: [{ id: p.wabaId, changes: [{ field: "messages", value: messagesValue([text("STOP")], phoneNumberId) }] }],
    };
    // Issue 16: before, the change was logged and dropped, and the answer was `{ received: 0 }`.
    expect(await postSigned(secret, payload)).toEqual({ status: 200, body: { received: 0, deadLettered: 1 } });
    const letter = await deadLetterWith(
      (l) => JSON.stringify(l.body).includes(phoneNumberId) && l.kind === "whatsapp-webhook-unrouted",
    );
    expect(letter).toMatchObject({
      projectId: null,
      attempts: 0,
      reason: `no project owns phone number ${phoneNumberId} (a \`messages\` change)`,
    });
    expectError(await call("POST", `/v1/admin/dead-letters/${letter.id}/replay`, { admin: true }), 409, "conflict");
    // The operator connects the number to a project, then replays: the STOP reaches that project.
    const q = await newProject();
    const put = await call("PUT", `/v1/admin/projects/${q.id}/whatsapp`, {
      admin: true,
      body: {
        provider: "meta",
        phoneNumberId,
        wabaId: `waba-${crypto.randomUUID()}`,
        accessToken: "EAAG-test-token-123456",
        appSecret: secret,
        verifyToken: `verify-${crypto.randomUUID()}`,
      },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const replayed = await call("POST", `/v1/admin/dead-letters/${letter.id}/replay`, { admin: true });
    expect(replayed.status).toBe(200);
    expect(replayed.body).toMatchObject({ id: letter.id, replayedAt: expect.any(String) });
    await eventually(
      () => contactRow(q.id),
      (row) => row?.opted_out === 1,
    );
    expect(await contactRow(p.id)).toBeNull();
  });
});

interface Letter {
  id: string;
  queue: string;
  projectId: string | null;
  kind: string;
  attempts: number;
  reason: string;
  body: unknown;
  replayedAt: string | null;
}

/** The pending dead letter that matches, read through the operator API (all pages). */
async function deadLetterWith(match: (letter: Letter) => boolean): Promise<Letter> {
  let cursor: string | null = null;
  do {
    const page = await call(
      "GET",
      `/v1/admin/dead-letters?queue=events&pending=true&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      {
        admin: true,
      },
    );
    expect(page.status).toBe(200);
    const body = page.body as { data: Letter[]; nextCursor: string | null };
    const found = body.data.find(match);
    if (found) return found;
    cursor = body.nextCursor;
  } while (cursor);
  throw new Error("no such dead letter");
}
