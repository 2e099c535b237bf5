import { describe, expect, it } from "vitest";
import { call } from "../helpers";
import { campaignWith, kindsProject, refused, sendToStandIn } from "./api-send.kinds.helpers";

// Limited-time offers (an expiry per send) and carousels (2–10 cards, each with its media, body
// values and buttons), created through the API and sent through POST /campaign/t1/api/v2.

const IMAGE = "https://media.example.test/image.jpg";

describe("limited-time offers and carousels", { timeout: 60_000 }, () => {
  it("a limited-time offer: image, offer expiry, coupon and URL suffix per send", async () => {
    const k = await kindsProject();
    const { campaignName, template } = await campaignWith(k, {
      name: "flash_sale",
      language: "en_US",
      category: "MARKETING",
      header: { format: "IMAGE", example: "4::aW1hZ2U=" },
      offer: { text: "Ends soon!", hasExpiration: true },
      body: { text: "Hi {{1}}, 25% off everything.", examples: ["Asha"] },
      buttons: [
        { type: "COPY_CODE", example: "SALE25" },
        { type: "URL", text: "Shop now", url: "https://shop.example/sale/{{1}}", example: "x" },
      ],
    });
    expect(template.params).toMatchObject({ offer: { expires: true }, actions: [{ index: 0, type: "COPY_CODE" }] });
    const ends = Date.parse("2030-01-01T00:00:00Z");
    const sent = await sendToStandIn(k, campaignName, {
      templateParams: ["Asha", "asha-1"],
      media: { url: IMAGE },
      couponCode: "ASHA25",
      offerExpiresAt: "2030-01-01T00:00:00Z",
    });
    expect(sent.components).toEqual([
      { type: "header", parameters: [{ type: "image", image: { link: IMAGE } }] },
      { type: "body", parameters: [{ type: "text", text: "Asha" }] },
      {
        type: "limited_time_offer",
        parameters: [{ type: "limited_time_offer", limited_time_offer: { expiration_time_ms: ends } }],
      },
      {
        type: "button",
        sub_type: "copy_code",
        index: "0",
        parameters: [{ type: "coupon_code", coupon_code: "ASHA25" }],
      },
      { type: "button", sub_type: "url", index: "1", parameters: [{ type: "text", text: "asha-1" }] },
    ]);
    expect(
      await refused(k, campaignName, { templateParams: ["Asha", "a"], media: { url: IMAGE }, couponCode: "X" }),
    ).toEqual([
      {
        field: "offerExpiresAt",
        in: "body",
        message: "the campaign's template is a limited-time offer with an expiration: it is required",
      },
    ]);
  });

  it("a carousel: each card's media, body values, URL suffix and quick-reply payload", async () => {
    const k = await kindsProject();
    const card = {
      header: { format: "IMAGE", example: "4::aW1hZ2U=" },
      body: { text: "Only {{1}} for {{2}} today.", examples: ["Shoes", "$20"] },
      buttons: [
        { type: "QUICK_REPLY", text: "More like this" },
        { type: "URL", text: "Buy", url: "https://shop.example/p/{{1}}", example: "sku" },
      ],
    };
    const { campaignName, template } = await campaignWith(k, {
      name: "weekly_picks",
      language: "en_US",
      category: "MARKETING",
      body: { text: "Hi {{1}}, this week's picks.", examples: ["Asha"] },
      cards: [card, card],
    });
    expect(template.params.cards).toEqual([
      { header: { format: "IMAGE" }, body: 2, buttons: [{ index: 1, type: "URL", params: 1 }], quickReplies: [0] },
      { header: { format: "IMAGE" }, body: 2, buttons: [{ index: 1, type: "URL", params: 1 }], quickReplies: [0] },
    ]);
    const sent = await sendToStandIn(k, campaignName, {
      templateParams: ["Asha"],
      cards: [
        { media: { url: IMAGE }, templateParams: ["Shoes", "$20", "sku-1"], quickReplyPayloads: ["more:sku-1"] },
        { media: { id: "55443322" }, templateParams: ["Bags", "$35", "sku-2"] },
      ],
    });
    expect(sent.components).toEqual([
      { type: "body", parameters: [{ type: "text", text: "Asha" }] },
      {
        type: "carousel",
        cards: [
          {
            card_index: 0,
            components: [
              { type: "header", parameters: [{ type: "image", image: { link: IMAGE } }] },
              {
                type: "body",
                parameters: [
                  { type: "text", text: "Shoes" },
                  { type: "text", text: "$20" },
                ],
              },
              {
                type: "button",
                sub_type: "quick_reply",
                index: "0",
                parameters: [{ type: "payload", payload: "more:sku-1" }],
              },
              { type: "button", sub_type: "url", index: "1", parameters: [{ type: "text", text: "sku-1" }] },
            ],
          },
          {
            card_index: 1,
            components: [
              { type: "header", parameters: [{ type: "image", image: { id: "55443322" } }] },
              {
                type: "body",
                parameters: [
                  { type: "text", text: "Bags" },
                  { type: "text", text: "$35" },
                ],
              },
              { type: "button", sub_type: "url", index: "1", parameters: [{ type: "text", text: "sku-2" }] },
            ],
          },
        ],
      },
    ]);
    expect(
      await refused(k, campaignName, {
        templateParams: ["Asha"],
        cards: [
          { media: { url: IMAGE }, templateParams: ["Shoes"] },
          { media: {}, templateParams: ["a", "b", "c"] },
        ],
      }),
    ).toEqual([
      {
        field: "cards.0.templateParams",
        in: "body",
        message: "card 0 needs 3 parameters (2 for its body, 1 for its URL button); got 1",
      },
      { field: "cards.1.media", in: "body", message: "card 1 has an IMAGE header: media.url or media.id is required" },
    ]);
  });

  it("refuses carousels and offers Meta would refuse, naming each field", async () => {
    const k = await kindsProject();
    const answer = await call("POST", "/v1/templates", {
      key: k.p.manager,
      body: {
        name: "bad_carousel",
        language: "en_US",
        category: "UTILITY",
        footer: { text: "Bye" },
        offer: { text: "This offer ends very soon", hasExpiration: true },
        body: { text: "Hi there." },
        cards: [
          {
            header: { format: "IMAGE" },
            body: { text: "x".repeat(161) },
            buttons: [{ type: "QUICK_REPLY", text: "More" }],
          },
        ],
      },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.fields.map((f: { field: string; message: string }) => [f.field, f.message])).toEqual([
      ["offer", "a limited-time offer needs category MARKETING"],
      ["offer.text", "must be at most 16 characters; got 25"],
      ["footer", "a limited-time offer template cannot have a footer"],
      ["buttons", "a limited-time offer needs a URL button"],
      ["cards", "a carousel needs category MARKETING"],
      ["cards", "a carousel has 2 to 10 cards; got 1"],
      ["footer", "a carousel cannot have a footer"],
      ["cards.0.body.text", "must be at most 160 characters; got 161"],
      ["cards", "a template is a limited-time offer or a carousel, not both"],
    ]);
  });
});
