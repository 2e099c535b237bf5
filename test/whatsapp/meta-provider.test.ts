import { describe, expect, it } from "vitest";
import { sendTemplateBody } from "../../src/whatsapp/meta/send-payloads";
import { templateDefinition, templateStatus } from "../../src/whatsapp/meta/template-answers";
import { createTemplateBody } from "../../src/whatsapp/meta/template-payloads";
import type { TemplateDefinition, TemplateMessage } from "../../src/whatsapp/provider";
import {
  graph,
  injectError,
  metaProvider,
  receivedSends,
  registerAccount,
  STANDIN,
  type StandInAccount,
  seedTemplate,
  standInMedia,
  uploadedMedia,
  VERSION,
} from "../standin/standin.helpers";

// The Meta provider driven against the Graph API stand-in, through the Worker's outbound service:
// every assertion on a request body is on what the stand-in actually received.

const BODY_2 = { type: "BODY", text: "Hi {{1}}, your order {{2}} has shipped." };

async function approved(account: StandInAccount, name: string, components: unknown[], category = "UTILITY") {
  await seedTemplate(account, { name, category, components });
}

/** Sends through the provider and returns the wamid and the body the stand-in received. */
async function sendAndCapture(account: StandInAccount, message: TemplateMessage) {
  const result = await metaProvider(account).sendTemplate(message);
  expect(result, JSON.stringify(result)).toMatchObject({ ok: true });
  const sends = await receivedSends(account);
  const last = sends.at(-1);
  expect(last?.accepted).toBe(true);
  return { wamid: result.ok ? result.wamid : "", received: last?.body, record: last };
}

describe("MetaProvider.sendTemplate", () => {
  it("sends a text header and body parameters, exactly as Meta documents, and returns the wamid", async () => {
    const account = await registerAccount();
    await approved(account, "order_shipped", [{ type: "HEADER", format: "TEXT", text: "Order {{1}}" }, BODY_2]);
    const { wamid, received, record } = await sendAndCapture(account, {
      to: "+447700900123",
      template: { name: "order_shipped", language: "en_US", category: "UTILITY" },
      header: { type: "text", text: "#42" },
      body: ["Ada", "A-42"],
    });
    expect(received).toEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: "447700900123",
      type: "template",
      template: {
        name: "order_shipped",
        language: { code: "en_US" },
        components: [
          { type: "header", parameters: [{ type: "text", text: "#42" }] },
          {
            type: "body",
            parameters: [
              { type: "text", text: "Ada" },
              { type: "text", text: "A-42" },
            ],
          },
        ],
      },
    });
    expect(wamid).toMatch(/^wamid\./);
    expect(wamid).toBe(record?.wamid);
  });

  it("sends an image header as {link}", async () => {
    const account = await registerAccount();
    await approved(account, "promo_image", [
      { type: "HEADER", format: "IMAGE" },
      { type: "BODY", text: "New in" },
    ]);
    const { received } = await sendAndCapture(account, {
      to: "+15551230001",
      template: { name: "promo_image", language: "en_US" },
      header: { type: "image", link: "https://cdn.example.com/a.png" },
      body: [],
    });
    expect(received).toEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: "15551230001",
      type: "template",
      template: {
        name: "promo_image",
        language: { code: "en_US" },
        components: [
          { type: "header", parameters: [{ type: "image", image: { link: "https://cdn.example.com/a.png" } }] },
        ],
      },
    });
  });

  it("sends a video header as {link}", async () => {
    const account = await registerAccount();
    await approved(account, "promo_video", [
      { type: "HEADER", format: "VIDEO" },
      { type: "BODY", text: "Watch {{1}}" },
    ]);
    const { received } = await sendAndCapture(account, {
      to: "+15551230002",
      template: { name: "promo_video", language: "en_US" },
      header: { type: "video", link: "https://cdn.example.com/v.mp4" },
      body: ["this"],
    });
    expect((received as any).template.components).toEqual([
      { type: "header", parameters: [{ type: "video", video: { link: "https://cdn.example.com/v.mp4" } }] },
      { type: "body", parameters: [{ type: "text", text: "this" }] },
    ]);
  });

  it("sends a document header with its filename", async () => {
    const account = await registerAccount();
    await approved(account, "invoice", [
      { type: "HEADER", format: "DOCUMENT" },
      { type: "BODY", text: "Invoice {{1}}" },
    ]);
    const { received } = await sendAndCapture(account, {
      to: "+15551230003",
      template: { name: "invoice", language: "en_US" },
      header: { type: "document", link: "https://cdn.example.com/i.pdf", filename: "invoice-7.pdf" },
      body: ["7"],
    });
    expect((received as any).template.components[0]).toEqual({
      type: "header",
      parameters: [
        { type: "document", document: { link: "https://cdn.example.com/i.pdf", filename: "invoice-7.pdf" } },
      ],
    });
  });

  it("sends a document header without a filename when none is given", async () => {
    const account = await registerAccount();
    await approved(account, "invoice_plain", [
      { type: "HEADER", format: "DOCUMENT" },
      { type: "BODY", text: "Hi" },
    ]);
    const { received } = await sendAndCapture(account, {
      to: "+15551230003",
      template: { name: "invoice_plain", language: "en_US" },
      header: { type: "document", link: "https://cdn.example.com/i.pdf" },
      body: [],
    });
    expect((received as any).template.components).toEqual([
      { type: "header", parameters: [{ type: "document", document: { link: "https://cdn.example.com/i.pdf" } }] },
    ]);
  });

  it("sends a location header with latitude, longitude, name and address", async () => {
    const account = await registerAccount();
    await approved(account, "store_here", [
      { type: "HEADER", format: "LOCATION" },
      { type: "BODY", text: "Visit us" },
    ]);
    const { received } = await sendAndCapture(account, {
      to: "+15551230004",
      template: { name: "store_here", language: "en_US" },
      header: { type: "location", latitude: 51.5074, longitude: -0.1278, name: "Shop", address: "1 High St" },
      body: [],
    });
    expect((received as any).template.components).toEqual([
      {
        type: "header",
        parameters: [
          {
            type: "location",
            location: { latitude: 51.5074, longitude: -0.1278, name: "Shop", address: "1 High St" },
          },
        ],
      },
    ]);
  });

  it("sends quick-reply payloads and a url suffix as button components with string indexes", async () => {
    const account = await registerAccount();
    await approved(account, "cart_reminder", [
      { type: "BODY", text: "You left {{1}} in your cart" },
      {
        type: "BUTTONS",
        buttons: [
          { type: "QUICK_REPLY", text: "Stop" },
          { type: "URL", text: "Open cart", url: "https://shop.example.com/cart/{{1}}", example: ["https://x/1"] },
          { type: "QUICK_REPLY", text: "Later" },
        ],
      },
    ]);
    const { received } = await sendAndCapture(account, {
      to: "+15551230005",
      template: { name: "cart_reminder", language: "en_US", category: "MARKETING" },
      body: ["2 items"],
      buttons: [
        { index: 0, subType: "quick_reply", payload: "stop-42" },
        { index: 1, subType: "url", text: "c/42" },
        { index: 2, subType: "quick_reply", payload: "later-42" },
      ],
      callbackData: "campaign:c1;recipient:r1",
    });
    expect(received).toEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: "15551230005",
      type: "template",
      template: {
        name: "cart_reminder",
        language: { code: "en_US" },
        components: [
          { type: "body", parameters: [{ type: "text", text: "2 items" }] },
          {
            type: "button",
            sub_type: "quick_reply",
            index: "0",
            parameters: [{ type: "payload", payload: "stop-42" }],
          },
          { type: "button", sub_type: "url", index: "1", parameters: [{ type: "text", text: "c/42" }] },
          {
            type: "button",
            sub_type: "quick_reply",
            index: "2",
            parameters: [{ type: "payload", payload: "later-42" }],
          },
        ],
      },
      biz_opaque_callback_data: "campaign:c1;recipient:r1",
    });
  });

  it("sends a template without parameters with no components at all, and never sends the category", async () => {
    const account = await registerAccount();
    await approved(account, "hello_world", [{ type: "BODY", text: "Hello World" }]);
    const { received } = await sendAndCapture(account, {
      to: "+15551230006",
      template: { name: "hello_world", language: "en_US", category: "MARKETING" },
      body: [],
    });
    expect(received).toEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: "15551230006",
      type: "template",
      template: { name: "hello_world", language: { code: "en_US" } },
    });
    expect(JSON.stringify(received)).not.toContain("MARKETING");
  });

  it("authenticates with the account's bearer token", async () => {
    const account = await registerAccount();
    await approved(account, "hello_world", [{ type: "BODY", text: "Hello World" }]);
    const wrong = await metaProvider(account, { accessToken: "EAAT-not-this-one" }).sendTemplate({
      to: "+15551230006",
      template: { name: "hello_world", language: "en_US" },
      body: [],
    });
    expect(wrong).toMatchObject({ ok: false, error: { class: "account", code: 190, httpStatus: 401 } });
    const right = await metaProvider(account).sendTemplate({
      to: "+15551230006",
      template: { name: "hello_world", language: "en_US" },
      body: [],
    });
    expect(right.ok).toBe(true);
  });

  it("accepts a base URL with a trailing slash and an injected fetch", async () => {
    const account = await registerAccount();
    await approved(account, "hello_world", [{ type: "BODY", text: "Hello World" }]);
    const seen: string[] = [];
    const provider = metaProvider(account, {
      baseUrl: `${STANDIN}/`,
      fetch: async (input, init) => {
        seen.push(`${init?.method} ${String(input)}`);
        return fetch(input, init);
      },
    });
    const result = await provider.sendTemplate({
      to: "+15551230006",
      template: { name: "hello_world", language: "en_US" },
      body: [],
    });
    expect(result.ok).toBe(true);
    expect(seen).toEqual([`POST ${STANDIN}/${VERSION}/${account.phoneNumberId}/messages`]);
  });
});

const FULL_DEFINITION: TemplateDefinition = {
  name: "spring_sale",
  language: "en_US",
  category: "MARKETING",
  header: { format: "TEXT", text: "Sale for {{1}}", example: "Ada" },
  body: { text: "Hi {{1}}, {{2}} off until {{3}}.", examples: ["Ada", "20%"] },
  footer: { text: "Reply STOP to opt out" },
  buttons: [
    { type: "QUICK_REPLY", text: "Stop promotions" },
    { type: "URL", text: "Shop", url: "https://shop.example.com/s/{{1}}", example: "spring" },
    { type: "PHONE_NUMBER", text: "Call us", phoneNumber: "+15550001111" },
  ],
};

describe("MetaProvider templates", () => {
  it("builds Meta's creation body, filling missing examples with sample values", () => {
    expect(createTemplateBody(FULL_DEFINITION)).toEqual({
      name: "spring_sale",
      language: "en_US",
      category: "MARKETING",
      components: [
        { type: "HEADER", format: "TEXT", text: "Sale for {{1}}", example: { header_text: ["Ada"] } },
        {
          type: "BODY",
          text: "Hi {{1}}, {{2}} off until {{3}}.",
          example: { body_text: [["Ada", "20%", "sample 3"]] },
        },
        { type: "FOOTER", text: "Reply STOP to opt out" },
        {
          type: "BUTTONS",
          buttons: [
            { type: "QUICK_REPLY", text: "Stop promotions" },
            {
              type: "URL",
              text: "Shop",
              url: "https://shop.example.com/s/{{1}}",
              example: ["https://shop.example.com/s/spring"],
            },
            { type: "PHONE_NUMBER", text: "Call us", phone_number: "+15550001111" },
          ],
        },
      ],
    });
  });

  it("builds media, location and placeholder-free components without examples it cannot invent", () => {
    expect(
      createTemplateBody({
        name: "media",
        language: "pt_BR",
        category: "UTILITY",
        header: { format: "IMAGE", example: "4::aW1hZ2U=" },
        body: { text: "Fixed text" },
        buttons: [{ type: "URL", text: "Site", url: "https://example.com/" }],
      }).components,
    ).toEqual([
      { type: "HEADER", format: "IMAGE", example: { header_handle: ["4::aW1hZ2U="] } },
      { type: "BODY", text: "Fixed text" },
      { type: "BUTTONS", buttons: [{ type: "URL", text: "Site", url: "https://example.com/" }] },
    ]);
    expect(
      createTemplateBody({
        name: "where",
        language: "en",
        category: "UTILITY",
        header: { format: "LOCATION" },
        body: { text: "Meet {{1}}" },
      }).components,
    ).toEqual([
      { type: "HEADER", format: "LOCATION" },
      { type: "BODY", text: "Meet {{1}}", example: { body_text: [["sample 1"]] } },
    ]);
  });

  it("creates a template: PENDING on a reviewed account, then listed with the same definition", async () => {
    const account = await registerAccount();
    const provider = metaProvider(account);
    const created = await provider.createTemplate(FULL_DEFINITION);
    expect(created).toEqual({
      ok: true,
      providerTemplateId: expect.stringMatching(/^\d+$/),
      status: "PENDING",
      rejectedReason: null,
    });
    const listed = await provider.listTemplates();
    expect(listed).toEqual({
      ok: true,
      templates: [
        {
          providerTemplateId: created.ok ? created.providerTemplateId : "",
          status: "PENDING",
          rejectedReason: null,
          definition: { ...FULL_DEFINITION, body: { ...FULL_DEFINITION.body, examples: ["Ada", "20%", "sample 3"] } },
        },
      ],
    });
  });

  it("creates a template APPROVED on an auto-approving account", async () => {
    const account = await registerAccount({ autoApprove: true });
    const created = await metaProvider(account).createTemplate({
      name: "otp_notice",
      language: "en_US",
      category: "UTILITY",
      body: { text: "Your code is ready" },
    });
    expect(created).toMatchObject({ ok: true, status: "APPROVED", rejectedReason: null });
  });

  it("reports Meta's refusal of a duplicate as a permanent error", async () => {
    const account = await registerAccount();
    const provider = metaProvider(account);
    const definition: TemplateDefinition = {
      name: "dup",
      language: "en_US",
      category: "UTILITY",
      body: { text: "x" },
    };
    expect((await provider.createTemplate(definition)).ok).toBe(true);
    expect(await provider.createTemplate(definition)).toEqual({
      ok: false,
      error: {
        class: "permanent",
        code: 100,
        title: "Content in this language already exists: dup (en_US)",
        message: "Invalid parameter",
        httpStatus: 400,
      },
    });
  });

  it("lists every template across more than one page, following the after cursor", async () => {
    const account = await registerAccount();
    for (let i = 0; i < 205; i++) {
      await seedTemplate(account, {
        name: `bulk_${String(i).padStart(3, "0")}`,
        status: "APPROVED",
        category: "UTILITY",
        components: [{ type: "BODY", text: `Message ${i}` }],
      });
    }
    const urls: string[] = [];
    const result = await metaProvider(account, {
      fetch: async (input, init) => {
        urls.push(String(input));
        return fetch(input, init);
      },
    }).listTemplates();
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.templates).toHaveLength(205);
    expect(result.templates.map((t) => t.definition.name)).toEqual(
      Array.from({ length: 205 }, (_, i) => `bulk_${String(i).padStart(3, "0")}`),
    );
    expect(urls).toHaveLength(3);
    const pages = urls.map((u) => new URL(u));
    expect(pages.map((u) => u.pathname)).toEqual(Array(3).fill(`/${VERSION}/${account.wabaId}/message_templates`));
    expect(pages.map((u) => u.searchParams.get("limit"))).toEqual(["100", "100", "100"]);
    expect(pages[0]?.searchParams.has("after")).toBe(false);
    expect(pages[1]?.searchParams.get("after")).toBeTruthy();
    expect(pages[2]?.searchParams.get("after")).toBeTruthy();
    expect(pages[2]?.searchParams.get("after")).not.toBe(pages[1]?.searchParams.get("after"));
  });

  it("maps statuses, rejection reasons and every component kind back to definitions", async () => {
    const account = await registerAccount();
    await seedTemplate(account, {
      name: "rich",
      category: "MARKETING",
      status: "PAUSED",
      components: [
        { type: "HEADER", format: "VIDEO", example: { header_handle: ["4::dmlkZW8="] } },
        { type: "BODY", text: "Hello {{1}}", example: { body_text: [["Ada"]] } },
        { type: "FOOTER", text: "footer" },
        {
          type: "BUTTONS",
          buttons: [
            { type: "URL", text: "Go", url: "https://e.com/{{1}}", example: ["https://e.com/abc"] },
            { type: "PHONE_NUMBER", text: "Call", phone_number: "+15550001111" },
            { type: "QUICK_REPLY", text: "Stop" },
          ],
        },
      ],
    });
    await seedTemplate(account, { name: "nope", status: "REJECTED", rejectedReason: "INCORRECT_CATEGORY" });
    await seedTemplate(account, { name: "gone", status: "DISABLED" });
    const result = await metaProvider(account).listTemplates();
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const byName = Object.fromEntries(result.templates.map((t) => [t.definition.name, t]));
    expect(Object.keys(byName).sort()).toEqual(["gone", "nope", "rich"]);
    expect(byName.rich).toMatchObject({ status: "PAUSED", rejectedReason: null });
    expect(byName.rich?.definition).toEqual({
      name: "rich",
      language: "en_US",
      category: "MARKETING",
      header: { format: "VIDEO", example: "4::dmlkZW8=" },
      body: { text: "Hello {{1}}", examples: ["Ada"] },
      footer: { text: "footer" },
      buttons: [
        { type: "URL", text: "Go", url: "https://e.com/{{1}}", example: "abc" },
        { type: "PHONE_NUMBER", text: "Call", phoneNumber: "+15550001111" },
        { type: "QUICK_REPLY", text: "Stop" },
      ],
    });
    expect(byName.nope).toMatchObject({ status: "REJECTED", rejectedReason: "INCORRECT_CATEGORY" });
    expect(byName.gone).toMatchObject({ status: "DISABLED", rejectedReason: null });
  });

  it("lists an empty account as no templates", async () => {
    const account = await registerAccount();
    expect(await metaProvider(account).listTemplates()).toEqual({ ok: true, templates: [] });
  });

  it("fails the whole listing when a later page fails", async () => {
    const account = await registerAccount();
    for (let i = 0; i < 101; i++) await seedTemplate(account, { name: `t_${i}` });
    await injectError(account, { code: 131000, mode: "every", count: 2, endpoint: "message_templates" });
    expect(await metaProvider(account).listTemplates()).toMatchObject({
      ok: false,
      error: { class: "retryable", code: 131000, httpStatus: 500 },
    });
  });

  it("deletes a template by name", async () => {
    const account = await registerAccount();
    const provider = metaProvider(account);
    await seedTemplate(account, { name: "old_promo", language: "en_US" });
    await seedTemplate(account, { name: "old_promo", language: "pt_BR" });
    await seedTemplate(account, { name: "keep_me" });
    expect(await provider.deleteTemplate("old_promo")).toEqual({ ok: true });
    const listed = await provider.listTemplates();
    expect(listed.ok && listed.templates.map((t) => t.definition.name)).toEqual(["keep_me"]);
    const raw = await graph(account, "GET", `${account.wabaId}/message_templates?name=old_promo`);
    expect(raw.body).toEqual({ data: [] });
  });

  it("deletes one language only when given the template id (hsm_id)", async () => {
    const account = await registerAccount();
    const provider = metaProvider(account);
    const english = await seedTemplate(account, { name: "promo", language: "en_US" });
    await seedTemplate(account, { name: "promo", language: "pt_BR" });
    expect(await provider.deleteTemplate("promo", english.id)).toEqual({ ok: true });
    const listed = await provider.listTemplates();
    expect(listed.ok && listed.templates.map((t) => `${t.definition.name}/${t.definition.language}`)).toEqual([
      "promo/pt_BR",
    ]);
  });

  it("reports deleting a template that does not exist as a permanent error", async () => {
    const account = await registerAccount();
    expect(await metaProvider(account).deleteTemplate("never_was")).toMatchObject({
      ok: false,
      error: { class: "permanent", code: 100, httpStatus: 400 },
    });
  });
});

describe("Meta payload mapping", () => {
  it("strips everything but digits from the recipient", () => {
    expect(sendTemplateBody({ to: "+1 (555) 123-0001", template: { name: "t", language: "en" }, body: [] }).to).toBe(
      "15551230001",
    );
  });

  it("folds Meta's other template statuses into the product's five", () => {
    expect(
      ["APPROVED", "PENDING", "IN_APPEAL", "REJECTED", "PAUSED", "DISABLED", "PENDING_DELETION", "ARCHIVED"].map(
        templateStatus,
      ),
    ).toEqual(["APPROVED", "PENDING", "PENDING", "REJECTED", "PAUSED", "DISABLED", "DISABLED", "DISABLED"]);
  });

  it("maps unknown categories conservatively; keeps COPY_CODE, and an unknown button as Meta wrote it", () => {
    // Dropping a button would shift the index of every button after it; an unknown one is kept so
    // that the template fails to store as a whole (sync skips it).
    expect(
      templateDefinition({
        name: "legacy",
        language: "en",
        category: "TRANSACTIONAL",
        components: [
          { type: "BODY", text: "Code" },
          {
            type: "BUTTONS",
            buttons: [
              { type: "COPY_CODE", text: "Copy" },
              { type: "SPM", text: "View" },
            ],
          },
        ],
      }),
    ).toEqual({
      name: "legacy",
      language: "en",
      category: "UTILITY",
      body: { text: "Code" },
      buttons: [
        { type: "COPY_CODE", text: "Copy" },
        { type: "SPM", text: "View" },
      ],
    });
  });
});

describe("MetaProvider time limit", () => {
  it("lets go of each call's timer when the call ends, so 1,000 sends a second stay under workerd's 10,000 timers", async () => {
    const { MetaProvider } = await import("../../src/whatsapp/meta/provider");
    const instant = async () => Response.json({ messages: [{ id: "wamid.x" }] });
    const provider = new MetaProvider({
      baseUrl: "https://graph.example.test",
      version: VERSION,
      phoneNumberId: "1",
      wabaId: "2",
      accessToken: "token",
      fetch: instant as typeof fetch,
    });
    const message = { to: "+15550001", template: { name: "t", language: "en_US" }, body: [] } as TemplateMessage;
    // Ten seconds of sends at 1,000/s, each with a ten-second time limit: a timer left running per
    // call would reach workerd's limit of 10,000 active timeouts before the last.
    for (let i = 0; i < 10_050; i++) {
      const result = await provider.sendTemplate(message);
      if (!result.ok) expect.fail(JSON.stringify(result));
    }
  });
});

describe("MetaProvider.uploadMedia", () => {
  it("posts the file as Meta's multipart form and answers the media id", async () => {
    const account = await registerAccount();
    const bytes = new Uint8Array(321).fill(7);
    const result = await metaProvider(account).uploadMedia({ bytes, contentType: "image/png", filename: "logo.png" });
    expect(result).toEqual({ ok: true, id: expect.stringMatching(/^\d{16}$/) });
    expect(await uploadedMedia(account)).toEqual([
      {
        id: result.ok ? result.id : "",
        type: "image/png",
        bytes: 321,
        filename: "logo.png",
        uploadedAt: expect.any(Number),
      },
    ]);
  });

  it("classifies Meta's refusal like any other call", async () => {
    const account = await registerAccount();
    await injectError(account, { code: 131053, mode: "next", endpoint: "media" });
    const refused = await metaProvider(account).uploadMedia({
      bytes: new Uint8Array(10),
      contentType: "image/png",
      filename: "a.png",
    });
    expect(refused).toMatchObject({ ok: false, error: { class: "permanent", code: 131053 } });
    const wrongType = await metaProvider(account).uploadMedia({
      bytes: new Uint8Array(10),
      contentType: "application/zip",
      filename: "a.zip",
    });
    expect(wrongType).toMatchObject({ ok: false, error: { code: 131053 } });
  });
});

describe("MetaProvider.uploadTemplateExample", () => {
  it("opens an upload session on the app, sends the bytes and answers the handle", async () => {
    const account = await registerAccount();
    const bytes = new Uint8Array(700).fill(3);
    const result = await metaProvider(account).uploadTemplateExample({
      bytes,
      contentType: "image/jpeg",
      filename: "banner.jpg",
    });
    expect(result).toEqual({ ok: true, handle: expect.stringMatching(/^4::/) });
    const { handles } = await standInMedia(account);
    expect(handles).toEqual([result.ok ? result.handle : ""]);
  });

  it("says the account needs its app id, and passes on Meta's refusals", async () => {
    const account = await registerAccount();
    const file = { bytes: new Uint8Array(10), contentType: "image/jpeg", filename: "a.jpg" };
    const noApp = await metaProvider(account, { appId: null }).uploadTemplateExample(file);
    expect(noApp).toMatchObject({ ok: false, error: { class: "account", title: "No Meta app id" } });
    const otherApp = await metaProvider(account, { appId: "999" }).uploadTemplateExample(file);
    expect(otherApp).toMatchObject({ ok: false, error: { code: 100 } });
    const zip = await metaProvider(account).uploadTemplateExample({ ...file, contentType: "application/zip" });
    expect(zip).toMatchObject({ ok: false, error: { code: 100 } });
  });
});
