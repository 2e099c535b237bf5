import { describe, expect, it } from "vitest";
import { base, send, setup } from "../api-campaigns/api-send.helpers";
import { eventually, getMessage } from "../messages/messages.helpers";

// An API-campaign send of a marketing template to a US number is accepted and recorded as skipped
// (200, `us_marketing_paused`), as an opted-out contact is: the request is valid, WhatsApp will not
// deliver it, and the campaign's results count it. Utility templates and other +1 countries send.

const marketing = () =>
  setup({ category: "MARKETING", name: "promo", body: { text: "Hi {{1}}, sale ends {{2}} tonight." } });

describe("POST /campaign/t1/api/v2 — US numbers", { timeout: 30_000 }, () => {
  it("skips a MARKETING template to a US number, records why, and says so", async () => {
    const s = await marketing();
    const result = await send({ ...base(s), destination: "+1 (212) 555-0101" });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({
      success: true,
      status: "skipped",
      skipReason: "us_marketing_paused",
      destination: "+12125550101",
      message: expect.stringContaining("does not deliver marketing templates to US"),
    });
    const message = await eventually(
      () => getMessage(s.sender, result.body.messageId),
      (r) => r.status === 200,
    );
    expect(message.body).toMatchObject({
      status: "skipped",
      skipReason: "us_marketing_paused",
      wamid: null,
      attempts: 0,
      // Never sent, so never a Meta failure.
      error: null,
    });
  });

  it("sends a MARKETING template to a Canadian +1 number", async () => {
    const s = await marketing();
    const result = await send({ ...base(s), destination: "+14165550104" });
    expect(result.body).toMatchObject({ status: "queued", skipReason: null });
    await eventually(
      () => getMessage(s.sender, result.body.messageId),
      (r) => r.body.status === "read",
    );
  });

  it("still sends a UTILITY template to a US number", async () => {
    const s = await setup();
    const result = await send({ ...base(s), destination: "+12125550101" });
    expect(result.body).toMatchObject({ status: "queued", skipReason: null });
    await eventually(
      () => getMessage(s.sender, result.body.messageId),
      (r) => r.body.status === "read",
    );
  });
});
