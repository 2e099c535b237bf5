import { describe, expect, it } from "vitest";
import { campaignWith, kindsProject, refused, sendToStandIn, syncedCampaign } from "./api-send.kinds.helpers";

// Named and positional parameters, typed values and every header kind, each through
// POST /campaign/t1/api/v2 to the stand-in, which refuses what Meta would.

describe("API sends of each parameter and header kind reach Meta as it accepts them", { timeout: 60_000 }, () => {
  it("named parameters (synced): templateParams give each name once, in order of first appearance", async () => {
    const k = await kindsProject();
    const { campaignName, template } = await syncedCampaign(k, {
      name: "named_order",
      category: "UTILITY",
      parameter_format: "NAMED",
      components: [
        {
          type: "HEADER",
          format: "TEXT",
          text: "Order {{order_id}}",
          example: { header_text_named_params: [{ param_name: "order_id", example: "A-1" }] },
        },
        {
          type: "BODY",
          text: "Hi {{first_name}}, order {{order_id}} ships {{day}}. Thanks, {{first_name}}!",
          example: {
            body_text_named_params: [
              { param_name: "first_name", example: "Asha" },
              { param_name: "order_id", example: "A-1" },
              { param_name: "day", example: "today" },
            ],
          },
        },
      ],
    });
    expect(template.parameterFormat).toBe("NAMED");
    expect(template.params).toEqual({
      header: { format: "TEXT", params: 1 },
      body: 3,
      buttons: [],
      quickReplies: [],
      names: { header: ["order_id"], body: ["first_name", "order_id", "day"] },
    });
    // order_id first appears in the header, then first_name and day in the body: one value each.
    const sent = await sendToStandIn(k, campaignName, { templateParams: ["#1042", "Asha", "Friday"] });
    expect(sent.components).toEqual([
      { type: "header", parameters: [{ type: "text", parameter_name: "order_id", text: "#1042" }] },
      {
        type: "body",
        parameters: [
          { type: "text", parameter_name: "first_name", text: "Asha" },
          { type: "text", parameter_name: "order_id", text: "#1042" },
          { type: "text", parameter_name: "day", text: "Friday" },
        ],
      },
    ]);
    const wrong = await refused(k, campaignName, { templateParams: ["Asha"] });
    expect(wrong).toEqual([
      {
        field: "templateParams",
        in: "body",
        message:
          'the campaign\'s template "named_order" needs 3 parameters (order_id, first_name, day for the named placeholders, in that order); got 1',
      },
    ]);
  });

  it("named parameters (created here): submitted with named examples, sent with parameter_name and types", async () => {
    const k = await kindsProject();
    const { campaignName, template } = await campaignWith(k, {
      name: "named_welcome",
      language: "en_US",
      category: "MARKETING",
      parameterFormat: "NAMED",
      body: { text: "Welcome {{first_name}}, your balance is {{balance}}.", examples: ["Asha", "$5.00"] },
    });
    expect(template.params.names).toEqual({ header: [], body: ["first_name", "balance"] });
    const sent = await sendToStandIn(k, campaignName, {
      templateParams: ["Asha", "$5.00"],
      paramTypes: { "1": { type: "currency", code: "USD", amount1000: 5000 } },
    });
    expect(sent.components).toEqual([
      {
        type: "body",
        parameters: [
          { type: "text", parameter_name: "first_name", text: "Asha" },
          {
            type: "currency",
            parameter_name: "balance",
            currency: { fallback_value: "$5.00", code: "USD", amount_1000: 5000 },
          },
        ],
      },
    ]);
  });

  it("currency and date-time values: templateParams give the fallback, paramTypes the type", async () => {
    const k = await kindsProject();
    const { campaignName } = await campaignWith(k, {
      name: "invoice_due",
      language: "en_US",
      category: "UTILITY",
      body: { text: "Hi {{1}}, {{2}} is due on {{3}}.", examples: ["Asha", "$10.99", "March 3"] },
    });
    const sent = await sendToStandIn(k, campaignName, {
      templateParams: ["Asha", "$10.99", "March 3, 2027"],
      paramTypes: { "1": { type: "currency", code: "USD", amount1000: 10990 }, "2": { type: "date_time" } },
    });
    expect(sent.components).toEqual([
      {
        type: "body",
        parameters: [
          { type: "text", text: "Asha" },
          { type: "currency", currency: { fallback_value: "$10.99", code: "USD", amount_1000: 10990 } },
          { type: "date_time", date_time: { fallback_value: "March 3, 2027" } },
        ],
      },
    ]);
    expect(
      await refused(k, campaignName, {
        templateParams: ["Asha", "$1", "May"],
        paramTypes: { "5": { type: "date_time" }, "1": { type: "currency", code: "usd", amount1000: 1 } },
      }),
    ).toEqual([{ field: "paramTypes.1.code", in: "body", message: "must be an ISO 4217 currency code, e.g. USD" }]);
    expect(
      await refused(k, campaignName, {
        templateParams: ["Asha", "$1", "May"],
        paramTypes: { "5": { type: "date_time" } },
      }),
    ).toEqual([{ field: "paramTypes.5", in: "body", message: "must be the index of a body value in templateParams" }]);
  });

  it("headers: text with a parameter, location, image by link and by media id, document by id", async () => {
    const k = await kindsProject();
    const text = await campaignWith(k, {
      name: "text_header",
      language: "en_US",
      category: "UTILITY",
      header: { format: "TEXT", text: "Order {{1}}", example: "A-1" },
      body: { text: "Hi {{1}}, it ships today.", examples: ["Asha"] },
    });
    expect((await sendToStandIn(k, text.campaignName, { templateParams: ["#9", "Asha"] })).components).toEqual([
      { type: "header", parameters: [{ type: "text", text: "#9" }] },
      { type: "body", parameters: [{ type: "text", text: "Asha" }] },
    ]);

    const location = await campaignWith(k, {
      name: "store_location",
      language: "en_US",
      category: "UTILITY",
      header: { format: "LOCATION" },
      body: { text: "Your order waits at our store." },
    });
    const place = { latitude: 18.52, longitude: 73.85, name: "Pune store", address: "1 MG Road, Pune" };
    expect((await sendToStandIn(k, location.campaignName, { location: place })).components).toEqual([
      { type: "header", parameters: [{ type: "location", location: place }] },
    ]);

    const image = await campaignWith(k, {
      name: "image_header",
      language: "en_US",
      category: "MARKETING",
      header: { format: "IMAGE", example: "4::aW1hZ2U=" },
      body: { text: "New arrivals are in." },
    });
    const byLink = await sendToStandIn(k, image.campaignName, {
      media: { url: "https://media.example.test/image.jpg" },
    });
    expect(byLink.components).toEqual([
      { type: "header", parameters: [{ type: "image", image: { link: "https://media.example.test/image.jpg" } }] },
    ]);
    const byId = await sendToStandIn(k, image.campaignName, { media: { id: "1037543291543636" } });
    expect(byId.components).toEqual([
      { type: "header", parameters: [{ type: "image", image: { id: "1037543291543636" } }] },
    ]);
    expect(await refused(k, image.campaignName, { media: { filename: "a.jpg" } })).toEqual([
      { field: "media.url", in: "body", message: "Invalid input: give url, id or file" },
    ]);
    expect(await refused(k, image.campaignName, {})).toEqual([
      {
        field: "media",
        in: "body",
        message: "the campaign's template has an IMAGE header: media.url, media.id or media.file is required",
      },
    ]);

    const document = await campaignWith(k, {
      name: "invoice_document",
      language: "en_US",
      category: "UTILITY",
      header: { format: "DOCUMENT", example: "4::ZG9j" },
      body: { text: "Your invoice is attached." },
    });
    const doc = await sendToStandIn(k, document.campaignName, { media: { id: "998877", filename: "invoice.pdf" } });
    expect(doc.components).toEqual([
      { type: "header", parameters: [{ type: "document", document: { id: "998877", filename: "invoice.pdf" } }] },
    ]);
  });
});
