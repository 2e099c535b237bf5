import { describe, expect, it } from "vitest";
import { call, expectError, MISSING_KEY, UNKNOWN_KEY } from "../helpers";
import { base, SEND_PATH, setup } from "./api-send.helpers";

const MALFORMED = ["{bad", '{"apiKey": "wak_x"', "nul", "{'apiKey': 'x'}", '{"apiKey": "x",}'];

const malformedJson = (requestId: string | null) => ({
  error: { code: "malformed_json", message: "request body is not valid JSON" },
  requestId,
});

const UNSUPPORTED_TYPE = {
  error: { code: "unsupported_media_type", message: "send the body as JSON with `Content-Type: application/json`" },
  requestId: expect.any(String),
};

const JSON_TYPE = { "content-type": "application/json" };

describe("POST /campaign/t1/api/v2 — bodies that cannot be read", () => {
  // The key may be in the body, so an unreadable body is the problem to report, not a missing key.
  it.each(MALFORMED)("400s malformed JSON %j sent without an Authorization header", async (raw) => {
    const result = await call("POST", SEND_PATH, { headers: JSON_TYPE, raw });
    expect(result.status).toBe(400);
    expect(result.body).toEqual(malformedJson(result.headers.get("x-request-id")));
  });

  it.each(MALFORMED)("400s malformed JSON %j sent with a valid Authorization header", async (raw) => {
    const s = await setup();
    const result = await call("POST", SEND_PATH, { key: s.sender, headers: JSON_TYPE, raw });
    expect(result.status).toBe(400);
    expect(result.body).toEqual(malformedJson(result.headers.get("x-request-id")));
  });

  it("401s malformed JSON sent with an unknown key in the header: the header decides", async () => {
    const result = await call("POST", SEND_PATH, { key: "wak_unknown", headers: JSON_TYPE, raw: "{bad" });
    expect(result.status).toBe(401);
    expect(result.body).toEqual(UNKNOWN_KEY);
  });

  it.each(["", "  \n"])("401s an empty JSON body %j without a key, as before", async (raw) => {
    const result = await call("POST", SEND_PATH, { headers: JSON_TYPE, raw });
    expect(result.status).toBe(401);
    expect(result.body).toEqual(MISSING_KEY);
    expect(result.headers.get("www-authenticate")).toBe('Bearer realm="api"');
  });

  it("400s an empty JSON body with a valid key, as before", async () => {
    const s = await setup();
    const result = await call("POST", SEND_PATH, { key: s.sender, headers: JSON_TYPE, raw: "" });
    expect(result.status).toBe(400);
    expect(result.body).toEqual(malformedJson(result.headers.get("x-request-id")));
  });

  it.each([
    ["text/plain", "{bad"],
    ["application/x-www-form-urlencoded", "apiKey=x"],
  ])("415s a body sent as %s, with or without a key, as before", async (type, raw) => {
    const s = await setup();
    for (const key of [undefined, s.sender]) {
      const result = await call("POST", SEND_PATH, { key, headers: { "content-type": type }, raw });
      expect(result.status).toBe(415);
      expect(result.body).toEqual(UNSUPPORTED_TYPE);
    }
  });

  it("401s a body-less request without a content type, as before", async () => {
    const result = await call("POST", SEND_PATH);
    expect(result.status).toBe(401);
    expect(result.body).toEqual(MISSING_KEY);
  });
});

// The route validates its header and body in one pass (src/platform/http/json-request.ts); these
// are the answers the router's own validators gave, kept.
describe("POST /campaign/t1/api/v2 — header, content type and body, in that order", () => {
  it("400s an Idempotency-Key over 255 characters, naming the header, before looking at the body", async () => {
    const s = await setup();
    const result = await call("POST", SEND_PATH, {
      headers: { "idempotency-key": "k".repeat(256) },
      body: { apiKey: s.sender, campaignName: "" },
    });
    expectError(result, 400, "validation_failed", ["idempotency-key"]);
    expect(result.body.error.fields).toEqual([{ field: "idempotency-key", in: "header", message: expect.any(String) }]);
  });

  it("reads the Idempotency-Key header in any case", async () => {
    const s = await setup();
    const first = await call("POST", SEND_PATH, { headers: { "Idempotency-Key": "case-1" }, body: base(s) });
    const again = await call("POST", SEND_PATH, { headers: { "IDEMPOTENCY-KEY": "case-1" }, body: base(s) });
    expect(first.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
  });

  it.each([
    "application/json; charset=utf-8",
    "application/json;charset=UTF-8",
    "APPLICATION/JSON",
    "application/vnd.crm+json",
  ])("reads a body sent as %s", async (type) => {
    const s = await setup();
    const result = await call("POST", SEND_PATH, { headers: { "content-type": type }, raw: JSON.stringify(base(s)) });
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    expect(result.body.status).toBe("queued");
  });

  it.each(["application/json; charset", "application/json; a=b; c", "application/json-seq"])(
    "415s a JSON-looking content type the router never accepted: %s",
    async (type) => {
      const s = await setup();
      const result = await call("POST", SEND_PATH, {
        key: s.sender,
        headers: { "content-type": type },
        raw: JSON.stringify(base(s)),
      });
      expect(result.status).toBe(415);
      expect(result.body).toEqual(UNSUPPORTED_TYPE);
    },
  );

  it("400s a body that is JSON but not an object, naming the root", async () => {
    const s = await setup();
    for (const raw of ["[]", '"text"', "42", "null"]) {
      const result = await call("POST", SEND_PATH, { key: s.sender, headers: JSON_TYPE, raw });
      expectError(result, 400, "validation_failed", ["(root)"]);
    }
  });
});
