import { describe, expect, it } from "vitest";
import { WebhookPayloadSchema } from "../../src/whatsapp/webhook/payload";
import { createGraphStandIn } from "../../standin/graph-api";
import {
  clearErrors,
  drainWebhooks,
  graph,
  injectError,
  receivedSends,
  registerAccount,
  STANDIN,
  type StandInAccount,
  seedTemplate,
  sendBody,
  VERSION,
  verifySignature,
} from "./standin.helpers";

// The stand-in itself, spoken to with raw Graph API requests: Meta's checks, Meta's bodies, signed
// webhooks, and the error injection modes.

const GREETING = [{ type: "BODY", text: "Hi {{1}}" }];
const send = (account: StandInAccount, body: unknown, token?: string | null) =>
  graph(account, "POST", `${account.phoneNumberId}/messages`, body, token === undefined ? account.accessToken : token);

async function withGreeting(options: { autoApprove?: boolean } = {}) {
  const account = await registerAccount(options);
  await seedTemplate(account, { name: "greeting", category: "MARKETING", components: GREETING });
  // Seeding queued its template status webhook; start each test from an empty queue.
  expect(await drainWebhooks(account)).toHaveLength(1);
  return account;
}

const greet = (to = "+15551230001") =>
  sendBody("greeting", [{ type: "body", parameters: [{ type: "text", text: "Ada" }] }], to);

function expectGraphError(
  result: { status: number; body: any },
  status: number,
  code: number,
  details?: string | RegExp,
) {
  expect(result.status, JSON.stringify(result.body)).toBe(status);
  expect(Object.keys(result.body)).toEqual(["error"]);
  expect(result.body.error).toMatchObject({
    message: expect.any(String),
    type: "OAuthException",
    code,
    fbtrace_id: expect.any(String),
  });
  if (details !== undefined) {
    expect(result.body.error.error_data).toEqual({ messaging_product: "whatsapp", details: expect.any(String) });
    if (typeof details === "string") expect(result.body.error.error_data.details).toBe(details);
    else expect(result.body.error.error_data.details).toMatch(details);
  }
}

describe("stand-in: sends", () => {
  it("accepts a valid template send with Meta's success body", async () => {
    const account = await withGreeting();
    const result = await send(account, greet("+15551230001"));
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      messaging_product: "whatsapp",
      contacts: [{ input: "+15551230001", wa_id: "15551230001" }],
      messages: [{ id: expect.stringMatching(/^wamid\./), message_status: "accepted" }],
    });
  });

  it("answers 190 (HTTP 401) without the account's bearer token", async () => {
    const account = await withGreeting();
    expectGraphError(await send(account, greet(), null), 401, 190);
    expectGraphError(await send(account, greet(), "EAAT-someone-else"), 401, 190);
    expect((await send(account, greet(), account.accessToken)).status).toBe(200);
  });

  it("answers 100 for a phone number id it doesn't know", async () => {
    const account = await withGreeting();
    const result = await graph(
      { ...account, phoneNumberId: "100000000000001" },
      "POST",
      "100000000000001/messages",
      greet(),
    );
    expectGraphError(result, 400, 100);
    expect(result.body.error.error_subcode).toBe(33);
  });

  it("answers 100 when a required field is missing", async () => {
    const account = await withGreeting();
    const { messaging_product: _mp, ...noProduct } = greet();
    expectGraphError(await send(account, noProduct), 400, 100);
    const { to: _to, ...noTo } = greet();
    expectGraphError(await send(account, noTo), 400, 100);
    expectGraphError(await send(account, { ...greet(), template: { language: { code: "en_US" } } }), 400, 100);
    expectGraphError(await send(account, { ...greet(), template: { name: "greeting" } }), 400, 100);
    expect((await receivedSends(account)).map((s) => s.errorCode)).toEqual([100, 100, 100, 100]);
  });

  it("answers 132001 for a template that doesn't exist in that language", async () => {
    const account = await withGreeting();
    expectGraphError(
      await send(account, sendBody("missing")),
      404,
      132001,
      "template name (missing) does not exist in en_US",
    );
    const other = { ...greet(), template: { ...greet().template, language: { code: "pt_BR" } } };
    expectGraphError(await send(account, other), 404, 132001, "template name (greeting) does not exist in pt_BR");
  });

  it("keeps templates per WABA: another account's template does not exist here", async () => {
    const mine = await withGreeting();
    const theirs = await registerAccount();
    expect((await send(mine, greet())).status).toBe(200);
    expectGraphError(await send(theirs, greet()), 404, 132001);
  });

  it.each([
    ["PAUSED", 400, 132015],
    ["DISABLED", 400, 132016],
    ["PENDING", 404, 132001],
    ["REJECTED", 404, 132001],
  ])("refuses a %s template with %i / %i", async (status, http, code) => {
    const account = await withGreeting();
    await seedTemplate(account, { name: "greeting", status });
    expectGraphError(await send(account, greet()), http, code);
  });

  it("answers 132000 when the body parameter count differs from the template's {{n}}", async () => {
    const account = await withGreeting();
    expectGraphError(
      await send(account, sendBody("greeting")),
      400,
      132000,
      "body: number of localizable_params (0) does not match the expected number of params (1)",
    );
    const two = sendBody("greeting", [
      {
        type: "body",
        parameters: [
          { type: "text", text: "a" },
          { type: "text", text: "b" },
        ],
      },
    ]);
    expectGraphError(await send(account, two), 400, 132000, /\(2\) does not match the expected number of params \(1\)/);
  });

  it("answers 132012 when a header parameter's type doesn't match the template's header format", async () => {
    const account = await registerAccount();
    await seedTemplate(account, {
      name: "pic",
      components: [
        { type: "HEADER", format: "IMAGE" },
        { type: "BODY", text: "x" },
      ],
    });
    const wrong = sendBody("pic", [{ type: "header", parameters: [{ type: "video", video: { link: "https://v" } }] }]);
    expectGraphError(
      await send(account, wrong),
      400,
      132012,
      "header: Format mismatch, expected IMAGE, received VIDEO",
    );
    expectGraphError(
      await send(account, sendBody("pic")),
      400,
      132012,
      "header: Format mismatch, expected IMAGE, received NONE",
    );
    const right = sendBody("pic", [{ type: "header", parameters: [{ type: "image", image: { link: "https://i" } }] }]);
    expect((await send(account, right)).status).toBe(200);
  });

  it("requires a link for a media header and coordinates for a location header", async () => {
    const account = await registerAccount();
    await seedTemplate(account, {
      name: "doc",
      components: [
        { type: "HEADER", format: "DOCUMENT" },
        { type: "BODY", text: "x" },
      ],
    });
    await seedTemplate(account, {
      name: "place",
      components: [
        { type: "HEADER", format: "LOCATION" },
        { type: "BODY", text: "x" },
      ],
    });
    const noLink = sendBody("doc", [
      { type: "header", parameters: [{ type: "document", document: { filename: "a.pdf" } }] },
    ]);
    expectGraphError(await send(account, noLink), 400, 131008, "header: document requires a link or an id");
    const noLongitude = sendBody("place", [
      { type: "header", parameters: [{ type: "location", location: { latitude: 1 } }] },
    ]);
    expectGraphError(await send(account, noLongitude), 400, 131008, "header: location requires latitude and longitude");
    const located = sendBody("place", [
      { type: "header", parameters: [{ type: "location", location: { latitude: 1.5, longitude: "-2.25" } }] },
    ]);
    expect((await send(account, located)).status).toBe(200);
  });

  it("requires the url button suffix when the template's url has {{1}}", async () => {
    const account = await registerAccount();
    await seedTemplate(account, {
      name: "track",
      components: [
        { type: "BODY", text: "Track it" },
        { type: "BUTTONS", buttons: [{ type: "URL", text: "Track", url: "https://t.example.com/{{1}}" }] },
      ],
    });
    expectGraphError(
      await send(account, sendBody("track")),
      400,
      131008,
      "buttons: url button at index 0 requires a parameter",
    );
    const withSuffix = sendBody("track", [
      { type: "button", sub_type: "url", index: "0", parameters: [{ type: "text", text: "ABC123" }] },
    ]);
    expect((await send(account, withSuffix)).status).toBe(200);
  });

  it("records every send request it received, accepted or not", async () => {
    const account = await withGreeting();
    const ok = await send(account, greet("+15551230001"));
    await send(account, sendBody("missing"));
    const sends = await receivedSends(account);
    expect(sends).toEqual([
      {
        endpoint: "messages",
        // Meta's default validity period for a template that sets none.
        ttlSeconds: 2_592_000,
        wamid: ok.body.messages[0].id,
        accepted: true,
        errorCode: null,
        body: greet("+15551230001"),
        receivedAt: expect.any(Number),
      },
      {
        endpoint: "messages",
        ttlSeconds: null,
        wamid: null,
        accepted: false,
        errorCode: 132001,
        body: sendBody("missing"),
        receivedAt: expect.any(Number),
      },
    ]);
  });
});

describe("stand-in: webhooks", () => {
  it("queues sent, delivered and read for an accepted send, each signed over its exact body", async () => {
    const account = await withGreeting();
    const body = { ...greet("+15551230002"), biz_opaque_callback_data: "c1:r1" };
    const ok = await send(account, body);
    const wamid = ok.body.messages[0].id;
    const webhooks = await drainWebhooks(account);
    expect(webhooks).toHaveLength(3);
    const payloads = webhooks.map((w) => WebhookPayloadSchema.parse(JSON.parse(w.body)));
    expect(payloads.map((p) => p.entry[0]?.changes[0]?.value.statuses?.[0]?.status)).toEqual([
      "sent",
      "delivered",
      "read",
    ]);
    for (const [i, webhook] of webhooks.entries()) {
      expect(webhook.signature).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(await verifySignature(account.appSecret, webhook.body, webhook.signature)).toBe(true);
      // One changed byte, or the wrong secret, and it no longer verifies.
      expect(await verifySignature(account.appSecret, `${webhook.body} `, webhook.signature)).toBe(false);
      expect(await verifySignature("another-secret", webhook.body, webhook.signature)).toBe(false);
      const payload = payloads[i];
      expect(payload?.object).toBe("whatsapp_business_account");
      expect(payload?.entry[0]?.id).toBe(account.wabaId);
      expect(payload?.entry[0]?.changes[0]?.field).toBe("messages");
      expect(payload?.entry[0]?.changes[0]?.value.metadata?.phone_number_id).toBe(account.phoneNumberId);
      expect(payload?.entry[0]?.changes[0]?.value.statuses?.[0]).toMatchObject({
        id: wamid,
        recipient_id: "15551230002",
        timestamp: expect.stringMatching(/^\d+$/),
        biz_opaque_callback_data: "c1:r1",
      });
    }
    expect(JSON.parse(webhooks[0]?.body ?? "").entry[0].changes[0].value.statuses[0].pricing).toEqual({
      billable: true,
      pricing_model: "PMP",
      type: "regular",
      category: "marketing",
    });
    // Drained means gone.
    expect(await drainWebhooks(account)).toEqual([]);
  });

  it("queues nothing for a refused send", async () => {
    const account = await withGreeting();
    await send(account, sendBody("missing"));
    expect(await drainWebhooks(account)).toEqual([]);
  });

  it("queues a signed message_template_status_update when a template's status changes", async () => {
    const account = await registerAccount();
    const seeded = await seedTemplate(account, { name: "promo", status: "PENDING", category: "MARKETING" });
    await seedTemplate(account, { name: "promo", status: "REJECTED", rejectedReason: "INCORRECT_CATEGORY" });
    const webhooks = await drainWebhooks(account);
    expect(webhooks).toHaveLength(2);
    for (const webhook of webhooks) {
      expect(await verifySignature(account.appSecret, webhook.body, webhook.signature)).toBe(true);
    }
    const rejected = JSON.parse(webhooks[1]?.body ?? "");
    expect(WebhookPayloadSchema.parse(rejected)).toBeTruthy();
    expect(rejected).toEqual({
      object: "whatsapp_business_account",
      entry: [
        {
          id: account.wabaId,
          time: expect.any(Number),
          changes: [
            {
              field: "message_template_status_update",
              value: {
                event: "REJECTED",
                message_template_id: Number(seeded.id),
                message_template_name: "promo",
                message_template_language: "en_US",
                reason: "INCORRECT_CATEGORY",
                message_template_category: "MARKETING",
              },
            },
          ],
        },
      ],
    });
  });

  it("also POSTs each webhook, signed, to webhookUrl (a stand-in running inside workerd)", async () => {
    const posted: { url: string; signature: string | null; body: string }[] = [];
    const standIn = createGraphStandIn({
      webhookUrl: "https://api.test/v1/webhooks/whatsapp",
      fetch: async (input, init) => {
        const request = new Request(input, init);
        posted.push({
          url: request.url,
          signature: request.headers.get("x-hub-signature-256"),
          body: await request.text(),
        });
        return new Response("ok");
      },
    });
    const call = (path: string, method: string, body?: unknown, token?: string) =>
      standIn.fetch(
        new Request(`https://graph.local${path}`, {
          method,
          headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: body === undefined ? undefined : JSON.stringify(body),
        }),
      );
    const account = { phoneNumberId: "1500", wabaId: "1600", accessToken: "tok", appSecret: "shh" };
    expect((await call("/__standin/accounts", "POST", account)).status).toBe(201);
    expect(
      (await call("/__standin/templates", "POST", { wabaId: "1600", name: "hi", language: "en", status: "APPROVED" }))
        .status,
    ).toBe(200);
    const sent = await call(
      `/${VERSION}/1500/messages`,
      "POST",
      { ...sendBody("hi"), template: { name: "hi", language: { code: "en" } } },
      "tok",
    );
    expect(sent.status).toBe(200);
    await standIn.settled();
    const drained = (await (await call("/__standin/webhooks/drain?phoneNumberId=1500", "POST")).json()) as {
      body: string;
      signature: string;
    }[];
    expect(drained).toHaveLength(4);
    expect(posted).toEqual(
      drained.map((w) => ({ url: "https://api.test/v1/webhooks/whatsapp", signature: w.signature, body: w.body })),
    );
    for (const w of posted) expect(await verifySignature("shh", w.body, w.signature ?? "")).toBe(true);
  });
});

describe("stand-in: templates", () => {
  const definition = {
    name: "welcome",
    language: "en_US",
    category: "UTILITY",
    components: [{ type: "BODY", text: "Welcome {{1}}", example: { body_text: [["Ada"]] } }],
  };

  it("creates templates PENDING, and sends of them are refused until approved", async () => {
    const account = await registerAccount();
    const created = await graph(account, "POST", `${account.wabaId}/message_templates`, definition);
    expect(created).toMatchObject({
      status: 200,
      body: { id: expect.stringMatching(/^\d+$/), status: "PENDING", category: "UTILITY" },
    });
    const welcome = sendBody("welcome", [{ type: "body", parameters: [{ type: "text", text: "Bo" }] }]);
    expectGraphError(await send(account, welcome), 404, 132001);
    await seedTemplate(account, { name: "welcome", status: "APPROVED" });
    expect((await send(account, welcome)).status).toBe(200);
  });

  it("creates templates APPROVED (with a webhook) on an auto-approving account", async () => {
    const account = await registerAccount({ autoApprove: true });
    const created = await graph(account, "POST", `${account.wabaId}/message_templates`, definition);
    expect(created.body.status).toBe("APPROVED");
    const [webhook] = await drainWebhooks(account);
    expect(JSON.parse(webhook?.body ?? "{}").entry[0].changes[0].value).toMatchObject({
      event: "APPROVED",
      message_template_id: Number(created.body.id),
      message_template_name: "welcome",
    });
  });

  it("refuses creations Meta would refuse", async () => {
    const account = await registerAccount();
    const path = `${account.wabaId}/message_templates`;
    expectGraphError(await graph(account, "POST", path, { ...definition, name: "Has Spaces" }), 400, 100);
    expectGraphError(await graph(account, "POST", path, { ...definition, category: "PROMO" }), 400, 100);
    expectGraphError(
      await graph(account, "POST", path, { ...definition, components: [{ type: "BODY", text: "Hi {{1}}" }] }),
      400,
      100,
    );
    expect((await graph(account, "POST", path, definition)).status).toBe(200);
    const duplicate = await graph(account, "POST", path, definition);
    expectGraphError(duplicate, 400, 100);
    expect(duplicate.body.error.error_subcode).toBe(2388024);
  });

  it("pages with cursors and a next link, which is absent on the last page", async () => {
    const account = await registerAccount();
    for (const name of ["a", "b", "c", "d", "e"]) await seedTemplate(account, { name });
    const first = await graph(account, "GET", `${account.wabaId}/message_templates?limit=2`);
    expect(first.body.data.map((t: { name: string }) => t.name)).toEqual(["a", "b"]);
    expect(first.body.paging).toEqual({
      cursors: { before: expect.any(String), after: expect.any(String) },
      next: expect.stringContaining(`${STANDIN}/${VERSION}/${account.wabaId}/message_templates?`),
    });
    expect(Object.keys(first.body.data[0]).sort()).toEqual([
      "category",
      "components",
      "id",
      "language",
      "name",
      "status",
    ]);
    const after = first.body.paging.cursors.after;
    const second = await graph(account, "GET", `${account.wabaId}/message_templates?limit=2&after=${after}`);
    expect(second.body.data.map((t: { name: string }) => t.name)).toEqual(["c", "d"]);
    const last = await graph(
      account,
      "GET",
      `${account.wabaId}/message_templates?limit=2&after=${second.body.paging.cursors.after}`,
    );
    expect(last.body.data.map((t: { name: string }) => t.name)).toEqual(["e"]);
    expect(last.body.paging.next).toBeUndefined();
    const withReason = await graph(account, "GET", `${account.wabaId}/message_templates?fields=name,rejected_reason`);
    expect(withReason.body.data[0]).toEqual({ name: "a", rejected_reason: "NONE", id: expect.any(String) });
  });

  it("deletes every language of a name", async () => {
    const account = await registerAccount();
    await seedTemplate(account, { name: "bye", language: "en_US" });
    await seedTemplate(account, { name: "bye", language: "es" });
    const deleted = await graph(account, "DELETE", `${account.wabaId}/message_templates?name=bye`);
    expect(deleted).toMatchObject({ status: 200, body: { success: true } });
    expect((await graph(account, "GET", `${account.wabaId}/message_templates`)).body).toEqual({ data: [] });
    expectGraphError(await graph(account, "DELETE", `${account.wabaId}/message_templates?name=bye`), 400, 100);
  });
});

describe("stand-in: error injection", () => {
  const statuses = async (account: StandInAccount, n: number) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const result = await send(account, greet());
      out.push(result.status === 200 ? 0 : result.body.error.code);
    }
    return out;
  };

  it("always: every request fails with Meta's body for that code", async () => {
    const account = await withGreeting();
    await injectError(account, { code: 131056, mode: "always" });
    expect(await statuses(account, 3)).toEqual([131056, 131056, 131056]);
    const result = await send(account, greet());
    expectGraphError(result, 400, 131056, "(Business Account, Consumer Account) pair rate limit hit");
    expect(result.body.error.message).toBe("(#131056) (Business Account, Consumer Account) pair rate limit hit");
    await clearErrors(account);
    expect(await statuses(account, 1)).toEqual([0]);
  });

  it("next N: the next N requests fail, then they succeed again", async () => {
    const account = await withGreeting();
    await injectError(account, { code: 130429, mode: "next", count: 2 });
    expect(await statuses(account, 4)).toEqual([130429, 130429, 0, 0]);
  });

  it("every Nth: each Nth request fails", async () => {
    const account = await withGreeting();
    await injectError(account, { code: 131000, mode: "every", count: 3 });
    expect(await statuses(account, 7)).toEqual([0, 0, 131000, 0, 0, 131000, 0]);
  });

  it("uses the given HTTP status and Retry-After", async () => {
    const account = await withGreeting();
    await injectError(account, { code: 2, mode: "next", httpStatus: 502, retryAfter: 9 });
    const result = await send(account, greet());
    expectGraphError(result, 502, 2);
    expect(result.headers.get("retry-after")).toBe("9");
  });

  it("only for one recipient, when asked", async () => {
    const account = await withGreeting();
    await injectError(account, { code: 131026, mode: "always", recipient: "+15550000000" });
    expect((await send(account, greet("+15550000000"))).body.error.code).toBe(131026);
    expect((await send(account, greet("+15551111111"))).status).toBe(200);
  });

  it("only for the account it was injected into", async () => {
    const a = await withGreeting();
    const b = await withGreeting();
    await injectError(a, { code: 130429, mode: "always" });
    expect(await statuses(a, 1)).toEqual([130429]);
    expect(await statuses(b, 1)).toEqual([0]);
  });

  it("delivery webhook: the send is accepted and fails later in a signed failed status", async () => {
    const account = await withGreeting();
    await injectError(account, { code: 131026, mode: "next", delivery: "webhook" });
    const result = await send(account, greet("+15550000000"));
    expect(result.status).toBe(200);
    const [webhook, ...rest] = await drainWebhooks(account);
    expect(rest).toEqual([]);
    expect(await verifySignature(account.appSecret, webhook?.body ?? "", webhook?.signature ?? "")).toBe(true);
    const status = WebhookPayloadSchema.parse(JSON.parse(webhook?.body ?? "")).entry[0]?.changes[0]?.value
      .statuses?.[0];
    expect(status).toMatchObject({
      id: result.body.messages[0].id,
      status: "failed",
      recipient_id: "15550000000",
      errors: [
        {
          code: 131026,
          title: "Message undeliverable",
          message: "Message undeliverable",
          error_data: { details: "Message undeliverable" },
        },
      ],
    });
  });

  it("rejects malformed injections", async () => {
    const account = await withGreeting();
    const response = await fetch(`${STANDIN}/__standin/errors`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ phoneNumberId: account.phoneNumberId, code: 1, mode: "sometimes" }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'mode must be "always", "next" or "every"' });
  });
});

describe("POST /{phone-number-id}/media", () => {
  const upload = async (standIn: ReturnType<typeof createGraphStandIn>, form: FormData, token = "tok-media") =>
    standIn.fetch(
      new Request("https://graph.test/v26.0/1700/media", {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        body: form,
      }),
    );
  const form = (fields: Record<string, string | Blob>) => {
    const f = new FormData();
    for (const [k, v] of Object.entries(fields)) f.set(k, v);
    return f;
  };

  it("takes a file as Meta documents, and refuses a form Meta would refuse", async () => {
    const standIn = createGraphStandIn();
    const account = { phoneNumberId: "1700", wabaId: "1701", accessToken: "tok-media", appSecret: "s" };
    await standIn.fetch(
      new Request("https://graph.test/__standin/accounts", { method: "POST", body: JSON.stringify(account) }),
    );
    const file = new Blob([new Uint8Array(50)], { type: "image/jpeg" });
    const ok = await upload(standIn, form({ messaging_product: "whatsapp", type: "image/jpeg", file }));
    expect(ok.status).toBe(200);
    const { id } = (await ok.json()) as { id: string };
    expect(id).toMatch(/^\d{16}$/);

    const codeOf = async (response: Response) => ((await response.json()) as { error: { code: number } }).error.code;
    expect(await codeOf(await upload(standIn, form({ type: "image/jpeg", file })))).toBe(100);
    expect(await codeOf(await upload(standIn, form({ messaging_product: "whatsapp", file })))).toBe(100);
    expect(await codeOf(await upload(standIn, form({ messaging_product: "whatsapp", type: "image/jpeg" })))).toBe(100);
    const zip = form({ messaging_product: "whatsapp", type: "application/zip", file });
    expect(await codeOf(await upload(standIn, zip))).toBe(131053);
    const big = new Blob([new Uint8Array(5 * 1024 * 1024 + 1)], { type: "image/jpeg" });
    expect(
      await codeOf(await upload(standIn, form({ messaging_product: "whatsapp", type: "image/jpeg", file: big }))),
    ).toBe(131053);
    expect(
      (await upload(standIn, form({ messaging_product: "whatsapp", type: "image/jpeg", file }), "wrong")).status,
    ).toBe(401);

    const listed = await standIn.fetch(new Request("https://graph.test/__standin/media?phoneNumberId=1700"));
    expect(((await listed.json()) as { data: { id: string }[] }).data.map((m) => m.id)).toEqual([id]);
  });
});

describe("the Resumable Upload API (template examples)", () => {
  it("opens a session on the app, takes the bytes from offset 0 and answers a handle", async () => {
    const standIn = createGraphStandIn();
    const account = { phoneNumberId: "1800", wabaId: "1801", accessToken: "tok-up", appSecret: "s", appId: "1802" };
    await standIn.fetch(
      new Request("https://graph.test/__standin/accounts", { method: "POST", body: JSON.stringify(account) }),
    );
    const open = (app: string, query: string, token = "tok-up") =>
      standIn.fetch(
        new Request(`https://graph.test/v26.0/${app}/uploads?${query}`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}` },
        }),
      );
    const send = (id: string, body: Uint8Array, headers: Record<string, string>) =>
      standIn.fetch(new Request(`https://graph.test/v26.0/${id}`, { method: "POST", headers, body }));
    const codeOf = async (response: Response) => ((await response.json()) as { error: { code: number } }).error.code;

    const session = await open("1802", "file_name=a.jpg&file_length=5&file_type=image/jpeg");
    expect(session.status).toBe(200);
    const { id } = (await session.json()) as { id: string };
    expect(id).toMatch(/^upload:/);
    expect(await codeOf(await open("1803", "file_length=5&file_type=image/jpeg"))).toBe(100);
    expect((await open("1802", "file_length=5&file_type=image/jpeg", "wrong")).status).toBe(401);
    expect(await codeOf(await open("1802", "file_length=0&file_type=image/jpeg"))).toBe(100);
    expect(await codeOf(await open("1802", "file_length=5&file_type=text/html"))).toBe(100);

    const bytes = new Uint8Array(5);
    expect((await send(id, bytes, { authorization: "OAuth wrong", file_offset: "0" })).status).toBe(401);
    expect(await codeOf(await send(id, bytes, { authorization: "OAuth tok-up", file_offset: "3" }))).toBe(100);
    expect(await codeOf(await send(id, new Uint8Array(4), { authorization: "OAuth tok-up", file_offset: "0" }))).toBe(
      100,
    );
    const done = await send(id, bytes, { authorization: "OAuth tok-up", file_offset: "0" });
    const { h } = (await done.json()) as { h: string };
    expect(h).toMatch(/^4::/);
    const listed = await standIn.fetch(new Request("https://graph.test/__standin/media?phoneNumberId=1800"));
    expect(((await listed.json()) as { handles: string[] }).handles).toEqual([h]);
  });
});
