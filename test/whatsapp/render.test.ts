import { describe, expect, it } from "vitest";
import type { TemplateDefinition, TemplateMessage } from "../../src/whatsapp/provider";
import { renderTemplate } from "../../src/whatsapp/render";

// Every kind of template, filled with a message's values as its recipient sees it.

const definition = (extra: Partial<TemplateDefinition>): TemplateDefinition => ({
  name: "t",
  language: "en_US",
  category: "MARKETING",
  body: { text: "Hi {{1}}, order {{2}} ships. {{3}}" },
  ...extra,
});
const message = (extra: Partial<TemplateMessage>): TemplateMessage => ({
  to: "+917428526285",
  template: { name: "t", language: "en_US" },
  body: ["Asha", "#1"],
  ...extra,
});

describe("renderTemplate", () => {
  it("fills positional and named placeholders; one without a value stays as written", () => {
    expect(renderTemplate(definition({}), message({})).body).toBe("Hi Asha, order #1 ships. {{3}}");
    const named = definition({ parameterFormat: "NAMED", body: { text: "{{first_name}}: {{code}}, {{first_name}}!" } });
    expect(renderTemplate(named, message({ body: ["X1", "Asha"], names: { body: ["code", "first_name"] } })).body).toBe(
      "Asha: X1, Asha!",
    );
  });

  it("shows each header kind: text with its value, media by link or id, a location", () => {
    const text = renderTemplate(
      definition({
        parameterFormat: "NAMED",
        header: { format: "TEXT", text: "Order {{order}}" },
        body: { text: "." },
      }),
      message({ header: { type: "text", text: "A-1" }, names: { header: "order", body: [] }, body: [] }),
    );
    expect(text.header).toEqual({ type: "text", text: "Order A-1" });
    expect(
      renderTemplate(
        definition({ header: { format: "DOCUMENT" } }),
        message({ header: { type: "document", id: "media-7", filename: "invoice.pdf" } }),
      ).header,
    ).toEqual({ type: "document", id: "media-7", filename: "invoice.pdf" });
    expect(
      renderTemplate(
        definition({ header: { format: "IMAGE" } }),
        message({ header: { type: "image", link: "https://m.test/a.jpg" } }),
      ).header,
    ).toEqual({ type: "image", link: "https://m.test/a.jpg" });
    expect(
      renderTemplate(
        definition({ header: { format: "LOCATION" } }),
        message({ header: { type: "location", latitude: 12.9, longitude: 77.6, name: "Store" } }),
      ).header,
    ).toEqual({ type: "location", latitude: 12.9, longitude: 77.6, name: "Store" });
  });

  it("shows each button with what it carries, and the footer", () => {
    const rendered = renderTemplate(
      definition({
        footer: { text: "Reply STOP to opt out" },
        buttons: [
          { type: "QUICK_REPLY", text: "Yes" },
          { type: "URL", text: "Track", url: "https://shop.test/o/{{1}}" },
          { type: "URL", text: "Site", url: "https://shop.test/" },
          { type: "PHONE_NUMBER", text: "Call", phoneNumber: "+15550001111" },
          { type: "COPY_CODE" },
          { type: "FLOW", text: "Book" },
        ],
      }),
      message({
        buttons: [
          { index: 0, subType: "quick_reply", payload: "yes-1" },
          { index: 1, subType: "url", text: "A-1" },
          { index: 4, subType: "copy_code", couponCode: "SAVE25" },
        ],
      }),
    );
    expect(rendered.footer).toBe("Reply STOP to opt out");
    expect(rendered.buttons).toEqual([
      { type: "quick_reply", text: "Yes", value: "yes-1" },
      { type: "url", text: "Track", value: "https://shop.test/o/A-1" },
      { type: "url", text: "Site", value: "https://shop.test/" },
      { type: "phone_number", text: "Call", value: "+15550001111" },
      { type: "copy_code", text: "Copy offer code", value: "SAVE25" },
      { type: "flow", text: "Book", value: null },
    ]);
  });

  it("shows an authentication template's code in its body and on its button", () => {
    const rendered = renderTemplate(
      definition({
        category: "AUTHENTICATION",
        body: { text: "*{{1}}* is your verification code." },
        footer: { text: "This code expires in 10 minutes." },
        buttons: [{ type: "OTP", otpType: "COPY_CODE" }],
      }),
      message({ body: ["482913"], buttons: [{ index: 0, subType: "url", text: "482913" }] }),
    );
    expect(rendered.body).toBe("*482913* is your verification code.");
    expect(rendered.buttons).toEqual([{ type: "otp", text: "Copy code", value: "482913" }]);
  });

  it("shows a limited-time offer's expiry and a carousel's cards", () => {
    const offer = renderTemplate(
      definition({ offer: { text: "Spring sale", hasExpiration: true } }),
      message({ offerExpiresAt: 1_800_000_000_000 }),
    );
    expect(offer.offer).toEqual({ text: "Spring sale", expiresAt: 1_800_000_000_000 });
    const carousel = renderTemplate(
      definition({
        cards: [
          {
            header: { format: "IMAGE" },
            body: { text: "Only {{1}}" },
            buttons: [{ type: "URL", text: "Buy", url: "https://shop.test/p/{{1}}" }],
          },
          {
            header: { format: "VIDEO" },
            body: { text: "Also {{1}}" },
            buttons: [{ type: "QUICK_REPLY", text: "More" }],
          },
        ],
      }),
      message({
        cards: [
          {
            header: { type: "image", link: "https://m.test/1.jpg" },
            body: ["$20"],
            buttons: [{ index: 0, subType: "url", text: "sku-1" }],
          },
          {
            header: { type: "video", id: "v-2" },
            body: ["$35"],
            buttons: [{ index: 0, subType: "quick_reply", payload: "m" }],
          },
        ],
      }),
    );
    expect(carousel.cards).toEqual([
      {
        header: { type: "image", link: "https://m.test/1.jpg" },
        body: "Only $20",
        buttons: [{ type: "url", text: "Buy", value: "https://shop.test/p/sku-1" }],
      },
      {
        header: { type: "video", id: "v-2" },
        body: "Also $35",
        buttons: [{ type: "quick_reply", text: "More", value: "m" }],
      },
    ]);
  });
});
