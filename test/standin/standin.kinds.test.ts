import { describe, expect, it } from "vitest";
import { graph, registerAccount, type StandInAccount, seedTemplate, sendBody } from "./standin.helpers";

// The stand-in refuses each template kind's sends and creations where Meta's documentation says
// Meta would, with Meta's codes: 132000 (parameter count), 132012 (parameter format), 131008
// (a required parameter missing) and 100 (an invalid creation).

const send = (account: StandInAccount, template: string, components?: unknown[]) =>
  graph(account, "POST", `${account.phoneNumberId}/messages`, sendBody(template, components));

const create = (account: StandInAccount, body: Record<string, unknown>) =>
  graph(account, "POST", `${account.wabaId}/message_templates`, {
    name: "kind",
    language: "en_US",
    category: "MARKETING",
    ...body,
  });

function expectCode(result: { status: number; body: any }, code: number, details?: RegExp) {
  expect(result.status, JSON.stringify(result.body)).not.toBe(200);
  expect(result.body.error.code, JSON.stringify(result.body)).toBe(code);
  if (details) expect(result.body.error.error_data.details).toMatch(details);
}

const text = (value: string, name?: string) => ({
  type: "text",
  text: value,
  ...(name ? { parameter_name: name } : {}),
});
const body = (...parameters: unknown[]) => ({ type: "body", parameters });

describe("stand-in: sends of each template kind", () => {
  it("NAMED templates: parameter_name on each value, names from the template, as many as it has", async () => {
    const account = await registerAccount();
    await seedTemplate(account, {
      name: "named",
      parameter_format: "NAMED",
      components: [{ type: "BODY", text: "Hi {{first_name}}, order {{order_id}}. Bye {{first_name}}." }],
    });
    expect((await send(account, "named", [body(text("Asha", "first_name"), text("#1", "order_id"))])).status).toBe(200);
    expectCode(await send(account, "named", [body(text("Asha"), text("#1"))]), 132012, /parameter_name is required/);
    expectCode(await send(account, "named", [body(text("Asha", "first_name"))]), 132000);
    expectCode(await send(account, "named", [body(text("Asha", "first_name"), text("#1", "orderid"))]), 132000);
    expectCode(await send(account, "named", [body(text("Asha", "first_name"), text("#1", "first_name"))]), 132000);
    const listed = await graph(account, "GET", `${account.wabaId}/message_templates?fields=name,parameter_format`);
    expect(listed.body.data).toEqual([{ name: "named", parameter_format: "NAMED", id: expect.any(String) }]);
  });

  it("POSITIONAL templates refuse parameter_name; currency and date_time only in the body, complete", async () => {
    const account = await registerAccount();
    await seedTemplate(account, {
      name: "due",
      components: [
        { type: "HEADER", format: "TEXT", text: "Invoice {{1}}" },
        { type: "BODY", text: "{{1}} due on {{2}}." },
      ],
    });
    const header = (p: unknown) => ({ type: "header", parameters: [p] });
    const currency = { type: "currency", currency: { fallback_value: "$10.99", code: "USD", amount_1000: 10990 } };
    const date = { type: "date_time", date_time: { fallback_value: "May 1" } };
    expect((await send(account, "due", [header(text("7")), body(currency, date)])).status).toBe(200);
    expectCode(await send(account, "due", [header(text("7", "x")), body(currency, date)]), 132012);
    expectCode(await send(account, "due", [header(currency), body(currency, date)]), 132012);
    const noAmount = { type: "currency", currency: { fallback_value: "$1", code: "USD" } };
    expectCode(await send(account, "due", [header(text("7")), body(noAmount, date)]), 131008);
    expectCode(await send(account, "due", [header(text("7")), body(currency, { type: "date_time" })]), 131008);
    expectCode(
      await send(account, "due", [header(text("7")), body({ type: "image", image: { link: "x" } }, date)]),
      132012,
    );
  });

  it("media headers take a link or an uploaded media id", async () => {
    const account = await registerAccount();
    await seedTemplate(account, {
      name: "pic",
      components: [
        { type: "HEADER", format: "IMAGE" },
        { type: "BODY", text: "New!" },
      ],
    });
    const header = (image: unknown) => [{ type: "header", parameters: [{ type: "image", image }] }];
    expect((await send(account, "pic", header({ id: "123" }))).status).toBe(200);
    expect((await send(account, "pic", header({ link: "https://x.test/a.jpg" }))).status).toBe(200);
    expectCode(await send(account, "pic", header({})), 131008);
  });

  it("buttons: coupon code, OTP code, flow, catalog and MPM are checked against the button at each index", async () => {
    const account = await registerAccount();
    await seedTemplate(account, {
      name: "coupon",
      components: [
        { type: "BODY", text: "Save today." },
        {
          type: "BUTTONS",
          buttons: [
            { type: "COPY_CODE", example: "SAVE" },
            { type: "URL", text: "Shop", url: "https://s.test/{{1}}" },
          ],
        },
      ],
    });
    const coupon = (code: string) => ({
      type: "button",
      sub_type: "copy_code",
      index: "0",
      parameters: [{ type: "coupon_code", coupon_code: code }],
    });
    const suffix = (index: string) => ({ type: "button", sub_type: "url", index, parameters: [text("x")] });
    expect((await send(account, "coupon", [coupon("SAVE25"), suffix("1")])).status).toBe(200);
    expectCode(await send(account, "coupon", [suffix("1")]), 131008, /copy_code button at index 0/);
    expectCode(await send(account, "coupon", [coupon("A".repeat(16)), suffix("1")]), 131008);
    // The URL button is at index 1: a suffix aimed at index 0 hits the copy-code button.
    expectCode(await send(account, "coupon", [coupon("SAVE25"), suffix("0")]), 100);

    await seedTemplate(account, {
      name: "otp",
      category: "AUTHENTICATION",
      components: [
        { type: "BODY", text: "*{{1}}* is your verification code." },
        { type: "BUTTONS", buttons: [{ type: "OTP", otp_type: "COPY_CODE", text: "Copy code" }] },
      ],
    });
    expect((await send(account, "otp", [body(text("123")), suffix("0")])).status).toBe(200);
    expectCode(await send(account, "otp", [body(text("123"))]), 131008, /otp button at index 0/);

    await seedTemplate(account, {
      name: "mpm",
      components: [
        { type: "BODY", text: "Picks." },
        { type: "BUTTONS", buttons: [{ type: "MPM", text: "View" }] },
      ],
    });
    const mpm = (action: unknown) => [
      { type: "button", sub_type: "mpm", index: "0", parameters: [{ type: "action", action }] },
    ];
    const sections = [{ title: "A", product_items: [{ product_retailer_id: "s1" }] }];
    expect((await send(account, "mpm", mpm({ thumbnail_product_retailer_id: "s1", sections }))).status).toBe(200);
    expectCode(await send(account, "mpm", mpm({ thumbnail_product_retailer_id: "s1", sections: [] })), 131008);
    expectCode(await send(account, "mpm", []), 131008);
  });

  it("limited-time offers need the expiry; carousels as many cards as the template, each checked", async () => {
    const account = await registerAccount();
    await seedTemplate(account, {
      name: "lto",
      components: [
        { type: "LIMITED_TIME_OFFER", limited_time_offer: { text: "Soon", has_expiration: true } },
        { type: "BODY", text: "Sale." },
      ],
    });
    const offer = (ms: unknown) => ({
      type: "limited_time_offer",
      parameters: [{ type: "limited_time_offer", limited_time_offer: { expiration_time_ms: ms } }],
    });
    expect((await send(account, "lto", [offer(1_900_000_000_000)])).status).toBe(200);
    expectCode(await send(account, "lto", []), 131008);
    expectCode(await send(account, "lto", [offer("tomorrow")]), 131008);

    const card = {
      components: [
        { type: "HEADER", format: "IMAGE" },
        { type: "BODY", text: "Only {{1}}." },
        { type: "BUTTONS", buttons: [{ type: "QUICK_REPLY", text: "More" }] },
      ],
    };
    await seedTemplate(account, {
      name: "carousel",
      components: [
        { type: "BODY", text: "Picks." },
        { type: "CAROUSEL", cards: [card, card] },
      ],
    });
    const sentCard = (i: number, header: unknown = { type: "image", image: { id: "1" } }) => ({
      card_index: i,
      components: [{ type: "header", parameters: [header] }, body(text("$5"))],
    });
    const carousel = (...cards: unknown[]) => [{ type: "carousel", cards }];
    expect((await send(account, "carousel", carousel(sentCard(0), sentCard(1)))).status).toBe(200);
    expectCode(await send(account, "carousel", carousel(sentCard(0))), 132000);
    expectCode(
      await send(account, "carousel", carousel(sentCard(0), sentCard(1, { type: "video", video: { id: "2" } }))),
      132012,
    );
  });
});

describe("stand-in: creations of each template kind", () => {
  it("refuses what Meta's review front door refuses, accepts the documented shapes", async () => {
    const account = await registerAccount();
    const named = (example: unknown) => ({
      parameter_format: "NAMED",
      components: [{ type: "BODY", text: "Hi {{first_name}}.", example }],
    });
    expectCode(await create(account, named(undefined)), 100);
    expectCode(await create(account, named({ body_text: [["Asha"]] })), 100);
    expect(
      (await create(account, named({ body_text_named_params: [{ param_name: "first_name", example: "Asha" }] })))
        .status,
    ).toBe(200);
    expectCode(await create(account, { name: "pos", components: [{ type: "BODY", text: "Hi {{first_name}}." }] }), 100);

    const otp = (button: Record<string, unknown>, bodyText?: string) => ({
      name: `otp_${String(button.otp_type).toLowerCase()}`,
      category: "AUTHENTICATION",
      components: [
        { type: "BODY", add_security_recommendation: true, ...(bodyText ? { text: bodyText } : {}) },
        { type: "FOOTER", code_expiration_minutes: 5 },
        { type: "BUTTONS", buttons: [{ type: "OTP", ...button }] },
      ],
    });
    expectCode(await create(account, otp({ otp_type: "COPY_CODE" }, "Code {{1}}")), 100);
    expectCode(await create(account, otp({ otp_type: "ONE_TAP" })), 100);
    expectCode(await create(account, otp({ otp_type: "ZERO_TAP", supported_apps: [{ package_name: "a.b" }] })), 100);
    const created = await create(account, otp({ otp_type: "COPY_CODE", text: "Copy code" }));
    expect(created.status).toBe(200);
    const listed = await graph(account, "GET", `${account.wabaId}/message_templates?name=otp_copy_code`);
    expect(listed.body.data[0].components.slice(0, 2)).toEqual([
      {
        type: "BODY",
        add_security_recommendation: true,
        text: "*{{1}}* is your verification code. For your security, do not share this code.",
      },
      { type: "FOOTER", code_expiration_minutes: 5, text: "This code expires in 5 minutes." },
    ]);

    const buttons = (...list: unknown[]) => ({
      name: "btn",
      components: [
        { type: "BODY", text: "Hi." },
        { type: "BUTTONS", buttons: list },
      ],
    });
    expectCode(await create(account, buttons({ type: "COPY_CODE" })), 100);
    expectCode(await create(account, buttons({ type: "FLOW", text: "Go" })), 100);
    expectCode(await create(account, buttons({ type: "OTP", otp_type: "COPY_CODE" })), 100);
    expectCode(await create(account, buttons({ type: "SPM", text: "View" })), 100);
    expectCode(
      await create(account, {
        name: "one_card",
        components: [
          { type: "BODY", text: "Picks." },
          { type: "CAROUSEL", cards: [{ components: [{ type: "HEADER", format: "IMAGE" }] }] },
        ],
      }),
      100,
    );
    expectCode(
      await create(account, {
        name: "lto_footer",
        components: [
          { type: "LIMITED_TIME_OFFER", limited_time_offer: { text: "Soon", has_expiration: true } },
          { type: "BODY", text: "Sale." },
          { type: "FOOTER", text: "Bye" },
        ],
      }),
      100,
    );
  });
});
