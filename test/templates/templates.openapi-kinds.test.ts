import { describe, expect, it } from "vitest";
import { call } from "../helpers";

// The OpenAPI document carries each template kind's fields, from the same zod schemas that
// validate them.

describe("OpenAPI document: template kinds", () => {
  it("lists the send's optional kind fields and the template's kind parts", async () => {
    const doc = await call("GET", "/openapi.json");
    expect(doc.status).toBe(200);
    const schemas = doc.body.components.schemas;
    expect(Object.keys(schemas.ApiCampaignSend.properties)).toEqual(
      expect.arrayContaining([
        "paramTypes",
        "quickReplyPayloads",
        "couponCode",
        "otpCode",
        "expiresAt",
        "offerExpiresAt",
        "flow",
        "catalog",
        "products",
        "cards",
      ]),
    );
    expect(Object.keys(schemas.ApiCampaignSend.properties.media.properties)).toEqual(["url", "id", "file", "filename"]);
    expect(Object.keys(schemas.CreateTemplate.properties)).toEqual(
      expect.arrayContaining(["parameterFormat", "authentication", "offer", "cards"]),
    );
    const buttonTypes = schemas.TemplateButton.oneOf.flatMap(
      (b: { properties: { type: { const?: string; enum?: string[] } } }) =>
        b.properties.type.enum ?? [b.properties.type.const],
    );
    expect(buttonTypes).toEqual(["QUICK_REPLY", "URL", "PHONE_NUMBER", "COPY_CODE", "FLOW", "CATALOG", "MPM", "OTP"]);
    expect(schemas.Template.properties.parameterFormat).toEqual({ type: "string", enum: ["POSITIONAL", "NAMED"] });
  });
});
