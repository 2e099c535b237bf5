import { describe, expect, it } from "vitest";
import { call, expectError } from "../helpers";
import { eventually, getMessage, projectMessageCount, storedMessage } from "../messages/messages.helpers";
import { base, send, setup } from "./api-send.helpers";

const MEDIA = "https://media.example.test";

/** The smallest valid request for a set-up's campaign (two body parameters). */

/** The payload the sends consumer stored for an accepted message, once its row is written. */
async function storedPayload(messageId: string) {
  const message = await eventually(
    () => storedMessage(messageId),
    (m) => m !== null,
  );
  return message ?? {};
}

describe("POST /campaign/t1/api/v2 — the reference request", { timeout: 30_000 }, () => {
  it("accepts the documented body field by field and sends through the sandbox", async () => {
    const s = await setup({
      header: { format: "DOCUMENT" },
      body: { text: "Hi {{1}}, your invoice {{2}} is attached." },
    });
    // The reference's JSON keys, in the reference's order.
    const result = await send({
      apiKey: s.sender,
      campaignName: s.campaignName,
      destination: "+917428526285",
      userName: "Asha Verma",
      source: "Website lead",
      media: { url: `${MEDIA}/invoice.pdf`, filename: "invoice.pdf" },
      templateParams: ["Asha", "#1042"],
      tags: ["vip", "not_defined"],
      attributes: { city: "Pune", undefined_attr: "x" },
    });
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    expect(result.body).toEqual({
      success: true,
      message: "Message accepted",
      submitted_message_id: result.body.messageId,
      messageId: expect.stringMatching(/^msg_/),
      status: "queued",
      skipReason: null,
      destination: "+917428526285",
      ignored: { tags: ["not_defined"], attributes: ["undefined_attr"] },
    });
    const message = await eventually(
      () => getMessage(s.sender, result.body.messageId),
      (r) => r.body.status === "read",
    );
    expect(message.body).toMatchObject({ number: "+917428526285", templateId: s.templateId });
    const contact = await call("GET", "/v1/contacts/%2B917428526285", { key: s.manager });
    expect(contact.body).toMatchObject({
      number: "+917428526285",
      name: "Asha Verma",
      source: "Website lead",
      tags: ["vip"],
      attributes: { city: "Pune" },
    });
    expect(await storedPayload(result.body.messageId)).toEqual({
      to: "+917428526285",
      template: { name: "order_update", language: "en_US", category: "UTILITY" },
      header: { type: "document", link: `${MEDIA}/invoice.pdf`, filename: "invoice.pdf" },
      body: ["Asha", "#1042"],
    });
  });

  it("takes the key in the Authorization header too, and reads a number without country code as +91", async () => {
    const s = await setup();
    const result = await call("POST", "/campaign/t1/api/v2", {
      key: s.manager,
      body: {
        campaignName: s.campaignName,
        destination: "7428526285",
        userName: "Asha",
        templateParams: ["Asha", "#1"],
      },
    });
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    expect(result.body.destination).toBe("+917428526285");
  });

  it("updates an existing contact: name and source replaced, tags added, attributes set", async () => {
    const s = await setup({}, { tags: ["vip", "repeat"], attributes: ["city", "plan"] });
    await call("POST", "/v1/contacts", {
      key: s.manager,
      body: {
        number: "+917428526285",
        name: "Old",
        source: "Old source",
        tags: ["vip"],
        attributes: { city: "Delhi", plan: "gold" },
      },
    });
    const result = await send({
      apiKey: s.sender,
      campaignName: s.campaignName,
      destination: "+91 74285 26285",
      userName: "New Name",
      source: "Facebook forms",
      templateParams: ["A", "B"],
      tags: ["repeat"],
      attributes: { city: "Pune" },
    });
    expect(result.status).toBe(200);
    const contact = await eventually(
      () => call("GET", "/v1/contacts/%2B917428526285", { key: s.manager }),
      (r) => r.body.name === "New Name",
    );
    expect(contact.body).toMatchObject({
      name: "New Name",
      source: "Facebook forms",
      tags: ["repeat", "vip"],
      attributes: { city: "Pune", plan: "gold" },
    });
  });

  it("fills a TEXT header, body and URL button suffix from templateParams in reading order", async () => {
    const s = await setup({
      header: { format: "TEXT", text: "Order {{1}}" },
      body: { text: "Hi {{1}}, track it below {{2}} thanks." },
      buttons: [{ type: "URL", text: "Track", url: "https://shop.example.com/t/{{1}}", example: "abc" }],
    });
    const result = await send({
      apiKey: s.sender,
      campaignName: s.campaignName,
      destination: "+917428526285",
      userName: "Asha",
      templateParams: ["#1042", "Asha", "today", "abc123"],
    });
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    const payload = await storedPayload(result.body.messageId);
    expect(payload).toMatchObject({
      header: { type: "text", text: "#1042" },
      body: ["Asha", "today"],
      buttons: [{ index: 0, subType: "url", text: "abc123" }],
    });
  });

  it("sends a location header when the template has one", async () => {
    const s = await setup({ header: { format: "LOCATION" }, body: { text: "Find us here, {{1}} today." } });
    const location = { latitude: 18.52, longitude: 73.85, name: "Store", address: "FC Road, Pune" };
    const result = await send({
      apiKey: s.sender,
      campaignName: s.campaignName,
      destination: "+917428526285",
      userName: "Asha",
      templateParams: ["Asha"],
      location,
    });
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    const payload = await storedPayload(result.body.messageId);
    expect(payload.header).toEqual({ type: "location", ...location });
  });
});

describe("POST /campaign/t1/api/v2 — rules", { timeout: 30_000 }, () => {
  it("names an unknown campaign, and one of another project, as unknown", async () => {
    const s = await setup();
    const other = await setup({}, { campaignName: "theirs" });
    expectError(await send({ ...base(s), campaignName: "nope" }), 400, "validation_failed", ["campaignName"]);
    expectError(await send({ ...base(s), campaignName: "theirs" }), 400, "validation_failed", ["campaignName"]);
    expect(other.campaignName).toBe("theirs");
  });

  it("refuses a paused campaign with a 409 naming it", async () => {
    const s = await setup();
    const list = await call("GET", "/v1/api-campaigns", { key: s.manager });
    const id = list.body.data[0].id;
    expect((await call("POST", `/v1/api-campaigns/${id}/pause`, { key: s.manager })).status).toBe(200);
    const result = await send(base(s));
    expectError(result, 409, "conflict", ["campaignName"]);
    expect(result.body.error.message).toContain(`"${s.campaignName}" is paused`);
  });

  it.each([
    ["userName missing", { userName: undefined }, ["userName"]],
    ["userName empty", { userName: "  " }, ["userName"]],
    ["destination missing", { destination: undefined }, ["destination"]],
    ["destination not a number", { destination: "call me" }, ["destination"]],
    ["destination too short", { destination: "12" }, ["destination"]],
    ["campaignName missing", { campaignName: undefined }, ["campaignName"]],
    ["tags not strings", { tags: [1] }, ["tags.0"]],
    ["templateParams not an array", { templateParams: "Asha" }, ["templateParams"]],
  ])("400 for %s", async (_label, change, fields) => {
    const s = await setup();
    expectError(await send({ ...base(s), ...change }), 400, "validation_failed", fields);
  });

  it("says how many templateParams the template needs", async () => {
    const s = await setup();
    const result = await send({ ...base(s), templateParams: ["only one"] });
    expectError(result, 400, "validation_failed", ["templateParams"]);
    expect(result.body.error.fields[0].message).toBe(
      'the campaign\'s template "order_update" needs 2 parameters (2 for the body, in that order); got 1',
    );
    expectError(await send({ ...base(s), templateParams: ["a\nb", "c"] }), 400, "validation_failed", [
      "templateParams.0",
    ]);
  });

  it("requires media exactly when the template has a media header", async () => {
    const withMedia = await setup({ header: { format: "IMAGE" } });
    expectError(await send(base(withMedia)), 400, "validation_failed", ["media"]);
    const without = await setup();
    expectError(await send({ ...base(without), media: { url: `${MEDIA}/image.jpg` } }), 400, "validation_failed", [
      "media",
    ]);
  });

  it("requires location exactly when the template has a LOCATION header", async () => {
    const s = await setup({ header: { format: "LOCATION" }, body: { text: "Find us here, {{1}} today." } });
    expectError(await send({ ...base(s), templateParams: ["x"] }), 400, "validation_failed", ["location"]);
    expectError(
      await send({ ...base(s), templateParams: ["x"], location: { latitude: 123, longitude: 0 } }),
      400,
      "validation_failed",
      ["location.latitude"],
    );
  });

  it.each([
    ["a private address", "http://10.0.0.5/a.jpg"],
    ["localhost", "http://localhost/a.jpg"],
    ["the IPv6 loopback", "http://[::1]/a.jpg"],
    ["a decimal loopback", "http://2130706433/a.jpg"],
    ["an octal loopback", "http://0177.0.0.1/a.jpg"],
    ["cloud metadata", "http://169.254.169.254/latest/meta-data/"],
    ["a file URL", "file:///etc/passwd"],
    ["a redirect into loopback", `${MEDIA}/redirect?to=${encodeURIComponent("http://127.0.0.1/a.jpg")}`],
  ])("refuses a media URL pointing at %s", async (_label, url) => {
    const s = await setup({ header: { format: "IMAGE" } });
    expectError(await send({ ...base(s), media: { url } }), 400, "validation_failed", ["media.url"]);
  });

  it("refuses media of the wrong type for the header", async () => {
    const s = await setup({ header: { format: "IMAGE" } });
    expectError(await send({ ...base(s), media: { url: `${MEDIA}/page.html` } }), 400, "validation_failed", [
      "media.url",
    ]);
  });

  it("needs a valid key: none, unknown, or revoked → 401", async () => {
    const s = await setup();
    expectError(await send({ ...base(s), apiKey: undefined }), 401, "unauthorized");
    expectError(await send({ ...base(s), apiKey: "wak_unknown" }), 401, "unauthorized");
  });
});

describe("POST /campaign/t1/api/v2 — opted-out contacts", { timeout: 30_000 }, () => {
  it("skips a MARKETING template to an opted-out contact, records why, and says so", async () => {
    const s = await setup({
      category: "MARKETING",
      name: "promo",
      body: { text: "Hi {{1}}, sale ends {{2}} tonight." },
    });
    await call("POST", "/v1/contacts", { key: s.manager, body: { number: "+917428526285", optedOut: true } });
    const result = await send({
      apiKey: s.sender,
      campaignName: s.campaignName,
      destination: "+917428526285",
      userName: "Asha",
      templateParams: ["Asha", "Friday"],
    });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ success: true, status: "skipped", skipReason: "opted_out" });
    const message = await eventually(
      () => getMessage(s.sender, result.body.messageId),
      (r) => r.status === 200,
    );
    expect(message.body).toMatchObject({ status: "skipped", skipReason: "opted_out", wamid: null, attempts: 0 });
  });

  it("still sends a UTILITY template to an opted-out contact", async () => {
    const s = await setup();
    await call("POST", "/v1/contacts", { key: s.manager, body: { number: "+917428526285", optedOut: true } });
    const result = await send(base(s));
    expect(result.body.status).toBe("queued");
    await eventually(
      () => getMessage(s.sender, result.body.messageId),
      (r) => r.body.status === "read",
    );
  });
});

describe("POST /campaign/t1/api/v2 — Idempotency-Key", { timeout: 30_000 }, () => {
  it("sends one message for 20 concurrent requests with one key, all answered alike", async () => {
    const s = await setup();
    const body = base(s);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => send(body, { "idempotency-key": "order-1042" })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    const ids = new Set(results.map((r) => r.body.messageId));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.headers.get("idempotent-replayed") === "true")).toHaveLength(19);
    await eventually(
      () => getMessage(s.sender, [...ids][0] as string),
      (r) => r.body.status === "read",
    );
    expect(await projectMessageCount(s.id)).toBe(1);
  });

  it("answers 409 for the same key with a different body, and replays refusals", async () => {
    const s = await setup();
    const body = base(s);
    expect((await send(body, { "idempotency-key": "k1" })).status).toBe(200);
    expectError(await send({ ...body, userName: "Someone else" }, { "idempotency-key": "k1" }), 409, "conflict", [
      "idempotency-key",
    ]);
    const refused = await send({ ...body, templateParams: [] }, { "idempotency-key": "k2" });
    expectError(refused, 400, "validation_failed", ["templateParams"]);
    const again = await send({ ...body, templateParams: [] }, { "idempotency-key": "k2" });
    expect(again.status).toBe(400);
    expect(again.body).toEqual(refused.body);
  });

  it("keeps keys per project: another project's identical key is independent", async () => {
    const a = await setup();
    const b = await setup();
    const first = await send(base(a), { "idempotency-key": "same" });
    const second = await send(base(b), { "idempotency-key": "same" });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(first.body.messageId).not.toBe(second.body.messageId);
  });
});
