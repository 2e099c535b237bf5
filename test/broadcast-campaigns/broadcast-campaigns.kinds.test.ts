import { describe, expect, it } from "vitest";
import { checkButtons } from "../../src/features/broadcast-messages/buttons";
import { recipientMessage } from "../../src/features/broadcast-messages/campaign";
import { numbers } from "../audiences/audiences.helpers";
import { call } from "../helpers";
import { eventually } from "../messages/messages.helpers";
import { audience, metaProject, ok } from "../runs/runs.helpers";
import { receivedSends } from "../standin/standin.helpers";

// A broadcast's coupon: a copy_code button copies the same code for every recipient (per-recipient
// codes go through API campaigns), created, run and accepted by the Meta stand-in.

describe("broadcast copy_code buttons", { timeout: 60_000 }, () => {
  it("submit a COPY_CODE template and send the campaign's coupon beside a url button", async () => {
    const { p, account } = await metaProject(true);
    const [a] = numbers(1, 400) as [string];
    await audience(p.manager, "coupon", [a]);
    const created = await ok(
      call("POST", "/v1/create/campaign", {
        key: p.manager,
        body: {
          title: "Coupon run",
          message: "Here is 25% off your next order.",
          buttons: [
            { text: "Copy", type: "copy_code", code: "SAVE25" },
            { text: "Shop", type: "url", url: "https://shop.example/sale" },
          ],
          runImmediately: true,
          audiences: ["coupon"],
        },
      }),
      201,
    );
    expect(created.campaign.buttons).toEqual([
      { text: "Copy", type: "copy_code", code: "SAVE25" },
      { text: "Shop", type: "url", url: "https://shop.example/sale" },
    ]);
    const sends = await eventually(
      () => receivedSends(account),
      (s) => s.length === 1,
    );
    expect(sends.map((s) => s.errorCode)).toEqual([null]);
    expect(sends.map((s) => (s.body as any).template.components)[0]).toEqual([
      {
        type: "button",
        sub_type: "copy_code",
        index: "0",
        parameters: [{ type: "coupon_code", coupon_code: "SAVE25" }],
      },
    ]);
  });

  it("refuses a coupon per recipient, a second coupon and one WhatsApp would refuse, naming each field", async () => {
    const { p } = await metaProject(true);
    const answer = await call("POST", "/v1/create/campaign", {
      key: p.manager,
      body: {
        title: "Bad coupons",
        message: "Hello.",
        buttons: [
          { text: "Copy", type: "copy_code", code: "{users.coupon}" },
          { text: "Copy too", type: "copy_code", code: "TOO LONG COUPON CODE" },
          { text: "Yes", type: "input" },
        ],
      },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
    expect(answer.body.error.fields.map((f: { field: string; message: string }) => [f.field, f.message])).toEqual([
      ["buttons.0.code", "is the same for every recipient: per-recipient coupons are sent through API campaigns"],
      ["buttons.1.type", "WhatsApp allows at most 1 copy_code button"],
      ["buttons.1.code", "must be at most 15 characters without spaces"],
      [
        "buttons.2.type",
        "input buttons cannot be combined with copy_code buttons: phone and url buttons may only be used together, never with input or journey buttons",
      ],
    ]);
  });

  it("become a COPY_CODE template button with the coupon as its example, sent to every recipient", () => {
    const checked = checkButtons([
      { text: "Copy", type: "copy_code", code: "SAVE25" },
      { text: "Shop", type: "url", url: "https://shop.example/{users.link}" },
    ]);
    expect(checked.errors).toEqual([]);
    expect(checked.template).toEqual([
      { type: "COPY_CODE", example: "SAVE25" },
      { type: "URL", text: "Shop", url: "https://shop.example/{{1}}" },
    ]);
    const built = recipientMessage(
      {
        id: "cmp_1",
        projectId: "prj_1",
        title: "T",
        templateId: "tpl_1",
        templateName: "t_1",
        language: "en_US",
        category: "MARKETING",
        templateStatus: "APPROVED",
        message: "Sale.",
        variables: [],
        bodyNames: null,
        imgUrl: null,
        imgMedia: null,
        buttons: checked.buttons,
        trackClicks: false,
        createdAt: 0,
      },
      "+919800000001",
      (ref) => (ref === "users.link" ? "asha" : undefined),
    );
    expect(built.ok && built.message.buttons).toEqual([
      { index: 0, subType: "copy_code", couponCode: "SAVE25" },
      { index: 1, subType: "url", text: "asha" },
    ]);
  });
});
