import { describe, expect, it } from "vitest";
import { call, newProject } from "../helpers";
import { eventually, getMessage } from "../messages/messages.helpers";
import { SEND_PATH } from "./api-send.helpers";

// The sandbox (no Meta account) takes every template kind and plays its lifecycle, so a CRM can try
// each request locally; a code sent with an expiry already past fails instead of being sent.

const kinds: [label: string, template: Record<string, unknown>, fields: Record<string, unknown>][] = [
  [
    "named parameters",
    { category: "UTILITY", parameterFormat: "NAMED", body: { text: "Hi {{first_name}}, it ships {{day}}." } },
    { templateParams: ["Asha", "Friday"] },
  ],
  [
    "a one-time password",
    {
      category: "AUTHENTICATION",
      authentication: { securityRecommendation: true, codeExpirationMinutes: 10 },
      buttons: [{ type: "OTP", otpType: "COPY_CODE" }],
    },
    { otpCode: "483920", expiresAt: Date.now() + 600_000 },
  ],
  [
    "a limited-time offer with a coupon",
    {
      category: "MARKETING",
      offer: { text: "Ends soon!", hasExpiration: true },
      body: { text: "Sale on now." },
      buttons: [
        { type: "COPY_CODE", example: "SALE" },
        { type: "URL", text: "Shop", url: "https://s.example" },
      ],
    },
    { couponCode: "ASHA25", offerExpiresAt: Date.now() + 86_400_000 },
  ],
  [
    "a carousel",
    {
      category: "MARKETING",
      body: { text: "Picks for you." },
      cards: [1, 2].map(() => ({
        header: { format: "IMAGE" },
        body: { text: "Only {{1}} today." },
        buttons: [{ type: "QUICK_REPLY", text: "More" }],
      })),
    },
    { cards: [1, 2].map((i) => ({ media: { id: `media-${i}` }, templateParams: [`$${i}`] })) },
  ],
];

describe("the sandbox plays every template kind", { timeout: 60_000 }, () => {
  it.each(kinds)("%s: sent, delivered, read", async (label, template, fields) => {
    const p = await newProject(`sandbox ${label}`);
    const name = `kind_${label.replace(/\W+/g, "_")}`.toLowerCase();
    const created = await call("POST", "/v1/templates", {
      key: p.manager,
      body: { name, language: "en_US", ...template },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const campaign = await call("POST", "/v1/api-campaigns", {
      key: p.manager,
      body: { name, templateId: created.body.id },
    });
    expect(campaign.status).toBe(201);
    const answer = await call("POST", SEND_PATH, {
      body: { apiKey: p.sender, campaignName: name, destination: "+917428526285", userName: "Asha", ...fields },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const read = await eventually(
      () => getMessage(p.sender, answer.body.messageId),
      (r) => r.body.status === "read",
    );
    expect(read.body.history.map((h: { status: string }) => h.status)).toEqual([
      "queued",
      "sending",
      "sent",
      "delivered",
      "read",
    ]);
  });
});
