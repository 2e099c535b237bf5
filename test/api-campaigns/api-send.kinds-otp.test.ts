import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call } from "../helpers";
import { eventually, getMessage } from "../messages/messages.helpers";
import { receivedSends } from "../standin/standin.helpers";
import {
  campaignWith,
  kindsProject,
  nextRecipient,
  refused,
  sendToStandIn,
  syncedCampaign,
} from "./api-send.kinds.helpers";

// Authentication templates: created through the API from Meta's preset parts, the code filling
// both the body and the OTP button, and a code past its expiry never sent.

const copyCode = {
  name: "login_code",
  language: "en_US",
  category: "AUTHENTICATION",
  authentication: { securityRecommendation: true, codeExpirationMinutes: 10 },
  buttons: [{ type: "OTP", otpType: "COPY_CODE", text: "Copy code" }],
};

const codeComponents = (code: string) => [
  { type: "body", parameters: [{ type: "text", text: code }] },
  { type: "button", sub_type: "url", index: "0", parameters: [{ type: "text", text: code }] },
];

describe("authentication templates with one-time passwords", { timeout: 60_000 }, () => {
  it("creates a copy-code template from Meta's preset and sends the code in body and button", async () => {
    const k = await kindsProject();
    const { campaignName, template } = await campaignWith(k, copyCode);
    expect(template).toMatchObject({
      category: "AUTHENTICATION",
      body: { text: "*{{1}}* is your verification code. For your security, do not share this code." },
      footer: { text: "This code expires in 10 minutes." },
      buttons: [{ type: "OTP", otpType: "COPY_CODE", text: "Copy code" }],
      authentication: { securityRecommendation: true, codeExpirationMinutes: 10 },
      params: { header: null, body: 1, buttons: [], quickReplies: [], actions: [{ index: 0, type: "OTP" }] },
    });
    const future = new Date(Date.now() + 5 * 60_000).toISOString();
    expect((await sendToStandIn(k, campaignName, { otpCode: "483920", expiresAt: future })).components).toEqual(
      codeComponents("483920"),
    );
    // The reference's own style: the code as the one template parameter.
    expect((await sendToStandIn(k, campaignName, { templateParams: ["771204"] })).components).toEqual(
      codeComponents("771204"),
    );
    expect(await refused(k, campaignName, { otpCode: "1", expiresAt: "2020-01-01T00:00:00Z" })).toEqual([
      { field: "expiresAt", in: "body", message: "is in the past: an expired message is never sent" },
    ]);
  });

  it("one-tap and zero-tap codes: created with their Android apps, sent like a copy code", async () => {
    const k = await kindsProject();
    const apps = [{ packageName: "com.example.shop", signatureHash: "K8a/AINcGX7" }];
    const oneTap = await campaignWith(k, {
      ...copyCode,
      name: "one_tap_code",
      buttons: [{ type: "OTP", otpType: "ONE_TAP", text: "Copy code", autofillText: "Autofill", supportedApps: apps }],
    });
    expect((await sendToStandIn(k, oneTap.campaignName, { otpCode: "1234" })).components).toEqual(
      codeComponents("1234"),
    );
    const zeroTap = await campaignWith(k, {
      ...copyCode,
      name: "zero_tap_code",
      buttons: [{ type: "OTP", otpType: "ZERO_TAP", supportedApps: apps, zeroTapTermsAccepted: true }],
    });
    expect((await sendToStandIn(k, zeroTap.campaignName, { otpCode: "5678" })).components).toEqual(
      codeComponents("5678"),
    );
  });

  it("refuses an authentication template Meta would refuse, naming each field", async () => {
    const k = await kindsProject();
    const answer = await call("POST", "/v1/templates", {
      key: k.p.manager,
      body: {
        ...copyCode,
        body: { text: "Your code is {{1}}." },
        authentication: { securityRecommendation: true, codeExpirationMinutes: 120 },
        buttons: [{ type: "OTP", otpType: "ZERO_TAP", supportedApps: [{ packageName: "shop", signatureHash: "x" }] }],
      },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.fields).toEqual([
      {
        field: "body",
        in: "body",
        message: "an AUTHENTICATION template uses Meta's preset body: leave body out and set authentication",
      },
      {
        field: "buttons.0.supportedApps.0.packageName",
        in: "body",
        message: "must be an Android package name, e.g. com.example.app",
      },
      {
        field: "buttons.0.supportedApps.0.signatureHash",
        in: "body",
        message: "must be the app's 11-character signing key hash",
      },
      {
        field: "buttons.0.zeroTapTermsAccepted",
        in: "body",
        message: "must be true: Meta requires its zero-tap terms to be accepted",
      },
      {
        field: "authentication.codeExpirationMinutes",
        in: "body",
        message: "must be a whole number of minutes from 1 to 90",
      },
    ]);
  });

  it("sends a synced authentication template whose OTP button Meta lists as its URL", async () => {
    const k = await kindsProject();
    const { campaignName, template } = await syncedCampaign(k, {
      name: "synced_otp",
      category: "AUTHENTICATION",
      components: [
        { type: "BODY", text: "*{{1}}* is your verification code.", add_security_recommendation: false },
        {
          type: "BUTTONS",
          buttons: [
            {
              type: "URL",
              text: "Copy code",
              url: "https://www.whatsapp.com/otp/code/?otp_type=COPY_CODE&code=otp{{1}}",
              example: ["https://www.whatsapp.com/otp/code/?otp_type=COPY_CODE&code=otp123456"],
            },
          ],
        },
      ],
    });
    expect(template.buttons).toEqual([{ type: "OTP", otpType: "COPY_CODE", text: "Copy code" }]);
    expect((await sendToStandIn(k, campaignName, { otpCode: "246810" })).components).toEqual(codeComponents("246810"));
  });

  it("never sends a code that expired while it waited in the queue: the message fails with the reason", async () => {
    const k = await kindsProject();
    const { campaignId, template } = await campaignWith(k, { ...copyCode, name: "late_code" });
    const number = nextRecipient();
    const messageId = `msg_otp${Date.now().toString(16)}${crypto.randomUUID().slice(0, 8)}`;
    await env.SENDS.send({
      kind: "api-send",
      projectId: k.p.id,
      messageId,
      campaignId,
      templateId: template.id,
      category: "AUTHENTICATION",
      contact: { number, name: "Asha" },
      payload: {
        to: number,
        template: { name: "late_code", language: "en_US", category: "AUTHENTICATION" },
        body: ["483920"],
        buttons: [{ index: 0, subType: "url", text: "483920" }],
        expiresAt: Date.now() - 1000,
      },
      acceptedAt: Date.now() - 60_000,
    });
    const failed = await eventually(
      () => getMessage(k.p.sender, messageId),
      (r) => r.body.status === "failed",
    );
    expect(failed.body.error).toMatchObject({ title: "Expired before sending" });
    const sends = await receivedSends(k.account);
    expect(sends.filter((s) => (s.body as { to?: string }).to === number.slice(1))).toEqual([]);
  });
});
