import { describe, expect, it } from "vitest";
import { call } from "../helpers";
import { seedTemplate } from "../standin/standin.helpers";
import { campaignWith, kindsProject, refused, sendToStandIn, syncedCampaign } from "./api-send.kinds.helpers";

// Every button kind Meta offers, each through POST /campaign/t1/api/v2 to the stand-in.

describe("API sends of each button kind reach Meta as it accepts them", { timeout: 60_000 }, () => {
  it("quick replies with payloads, a URL suffix and a phone number button", async () => {
    const k = await kindsProject();
    const { campaignName } = await campaignWith(k, {
      name: "order_actions",
      language: "en_US",
      category: "UTILITY",
      body: { text: "Hi {{1}}, your order is ready.", examples: ["Asha"] },
      buttons: [
        { type: "URL", text: "Track", url: "https://shop.example/o/{{1}}", example: "A-1" },
        { type: "PHONE_NUMBER", text: "Call us", phoneNumber: "+15550051310" },
        { type: "QUICK_REPLY", text: "Reschedule" },
        { type: "QUICK_REPLY", text: "Cancel" },
      ],
    });
    const sent = await sendToStandIn(k, campaignName, {
      templateParams: ["Asha", "A-1042"],
      quickReplyPayloads: ["reschedule:1042", "cancel:1042"],
    });
    expect(sent.components).toEqual([
      { type: "body", parameters: [{ type: "text", text: "Asha" }] },
      { type: "button", sub_type: "url", index: "0", parameters: [{ type: "text", text: "A-1042" }] },
      {
        type: "button",
        sub_type: "quick_reply",
        index: "2",
        parameters: [{ type: "payload", payload: "reschedule:1042" }],
      },
      {
        type: "button",
        sub_type: "quick_reply",
        index: "3",
        parameters: [{ type: "payload", payload: "cancel:1042" }],
      },
    ]);
    expect(
      await refused(k, campaignName, { templateParams: ["Asha", "A-1"], quickReplyPayloads: ["a", "b", "c"] }),
    ).toEqual([
      {
        field: "quickReplyPayloads",
        in: "body",
        message: "the campaign's template has 2 quick-reply buttons; got 3 payloads",
      },
    ]);
  });

  it("COPY_CODE before a URL button: synced without shifting the URL's index, coupon per recipient", async () => {
    const k = await kindsProject();
    const { campaignName, template } = await syncedCampaign(k, {
      name: "coupon_offer",
      category: "MARKETING",
      components: [
        { type: "BODY", text: "Hi {{1}}, here is your coupon.", example: { body_text: [["Asha"]] } },
        {
          type: "BUTTONS",
          buttons: [
            { type: "COPY_CODE", text: "Copy offer code", example: ["SAVE25"] },
            { type: "URL", text: "Shop", url: "https://shop.example/c/{{1}}", example: ["https://shop.example/c/x"] },
          ],
        },
      ],
    });
    expect(template.buttons).toEqual([
      { type: "COPY_CODE", text: "Copy offer code", example: "SAVE25" },
      { type: "URL", text: "Shop", url: "https://shop.example/c/{{1}}", example: "x" },
    ]);
    expect(template.params).toMatchObject({
      buttons: [{ index: 1, type: "URL", params: 1 }],
      actions: [{ index: 0, type: "COPY_CODE" }],
    });
    const sent = await sendToStandIn(k, campaignName, { templateParams: ["Asha", "spring"], couponCode: "ASHA25" });
    expect(sent.components).toEqual([
      { type: "body", parameters: [{ type: "text", text: "Asha" }] },
      {
        type: "button",
        sub_type: "copy_code",
        index: "0",
        parameters: [{ type: "coupon_code", coupon_code: "ASHA25" }],
      },
      { type: "button", sub_type: "url", index: "1", parameters: [{ type: "text", text: "spring" }] },
    ]);
    expect(await refused(k, campaignName, { templateParams: ["Asha", "spring"] })).toEqual([
      {
        field: "couponCode",
        in: "body",
        message: "the campaign's template has a COPY_CODE button: couponCode is required",
      },
    ]);
  });

  it("FLOW with a token and first-screen data", async () => {
    const k = await kindsProject();
    const { campaignName } = await campaignWith(k, {
      name: "book_visit",
      language: "en_US",
      category: "UTILITY",
      body: { text: "Book your visit in a few taps." },
      buttons: [{ type: "FLOW", text: "Book", flowId: "1234567890", navigateScreen: "WELCOME" }],
    });
    const sent = await sendToStandIn(k, campaignName, {
      flow: { token: "visit-42", actionData: { city: "Pune" } },
    });
    expect(sent.components).toEqual([
      {
        type: "button",
        sub_type: "flow",
        index: "0",
        parameters: [{ type: "action", action: { flow_token: "visit-42", flow_action_data: { city: "Pune" } } }],
      },
    ]);
  });

  it("catalog and multi-product (MPM) buttons", async () => {
    const k = await kindsProject();
    const catalog = await campaignWith(k, {
      name: "see_catalog",
      language: "en_US",
      category: "MARKETING",
      body: { text: "Our new season is in the catalog." },
      buttons: [{ type: "CATALOG", text: "View catalog" }],
    });
    const sentCatalog = await sendToStandIn(k, catalog.campaignName, {
      catalog: { thumbnailProductRetailerId: "sku-1" },
    });
    expect(sentCatalog.components).toEqual([
      {
        type: "button",
        sub_type: "CATALOG",
        index: "0",
        parameters: [{ type: "action", action: { thumbnail_product_retailer_id: "sku-1" } }],
      },
    ]);

    const mpm = await syncedCampaign(k, {
      name: "picked_for_you",
      category: "MARKETING",
      components: [
        { type: "HEADER", format: "TEXT", text: "Picked for you" },
        { type: "BODY", text: "Hi {{1}}, these are back in stock.", example: { body_text: [["Asha"]] } },
        { type: "BUTTONS", buttons: [{ type: "MPM", text: "View items" }] },
      ],
    });
    const products = {
      thumbnailProductRetailerId: "sku-1",
      sections: [{ title: "Shoes", productRetailerIds: ["sku-1", "sku-2"] }],
    };
    const sentMpm = await sendToStandIn(k, mpm.campaignName, { templateParams: ["Asha"], products });
    expect(sentMpm.components).toEqual([
      { type: "body", parameters: [{ type: "text", text: "Asha" }] },
      {
        type: "button",
        sub_type: "mpm",
        index: "0",
        parameters: [
          {
            type: "action",
            action: {
              thumbnail_product_retailer_id: "sku-1",
              sections: [
                { title: "Shoes", product_items: [{ product_retailer_id: "sku-1" }, { product_retailer_id: "sku-2" }] },
              ],
            },
          },
        ],
      },
    ]);
    expect(await refused(k, mpm.campaignName, { templateParams: ["Asha"] })).toEqual([
      {
        field: "products",
        in: "body",
        message: "the campaign's template has an MPM button: products (thumbnail and sections) is required",
      },
    ]);
  });

  it("a synced template with a button kind this API does not know is not imported, never stored with shifted indexes", async () => {
    const k = await kindsProject();
    await syncedCampaign(k, {
      name: "known_one",
      category: "UTILITY",
      components: [{ type: "BODY", text: "Hello." }],
    });
    await seedTemplate(k.account, {
      name: "future_button",
      category: "MARKETING",
      components: [
        { type: "BODY", text: "Hello." },
        {
          type: "BUTTONS",
          buttons: [
            { type: "SPM", text: "View" },
            { type: "QUICK_REPLY", text: "Stop" },
          ],
        },
      ],
    });
    const sync = await call("POST", "/v1/templates/sync", { key: k.p.manager });
    expect(sync.body).toEqual({ created: 0, updated: 0, unchanged: 1 });
    const listed = await call("GET", "/v1/templates?name=future_button", { key: k.p.sender });
    expect(listed.body.data).toEqual([]);
  });
});
