import { describe, expect, it } from "vitest";
import { call, expectError } from "../helpers";
import { base, SEND_PATH, setup } from "./api-send.helpers";

/** The dashboard's session cookie for a key, as the sign-in page gets it. */
async function sessionCookie(apiKey: string): Promise<string> {
  const signedIn = await call("POST", "/v1/session", { body: { apiKey } });
  expect(signedIn.status, JSON.stringify(signedIn.body)).toBe(200);
  const cookie = signedIn.headers.get("set-cookie")?.split(";")[0];
  expect(cookie).toMatch(/^wa_session=/);
  return cookie ?? "";
}

const withoutKey = (s: Parameters<typeof base>[0]) => {
  const { apiKey: _key, ...body } = base(s);
  return body;
};

// The dashboard's API-campaign page sends a test message signed in by its cookie, never holding a key.
describe("POST /campaign/t1/api/v2 signed in by the dashboard's session", { timeout: 30_000 }, () => {
  it("sends with the cookie alone, from the dashboard's own origin", async () => {
    const s = await setup();
    const cookie = await sessionCookie(s.sender);
    const result = await call("POST", SEND_PATH, {
      body: withoutKey(s),
      headers: { cookie, "sec-fetch-site": "same-origin" },
    });
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    expect(result.body).toMatchObject({ success: true, status: "queued", destination: "+917428526285" });
  });

  it("refuses the cookie on a request from another site", async () => {
    const s = await setup();
    const cookie = await sessionCookie(s.sender);
    const result = await call("POST", SEND_PATH, {
      body: withoutKey(s),
      headers: { cookie, "sec-fetch-site": "cross-site" },
    });
    expectError(result, 403, "forbidden");
  });

  it("names the campaign of another project as unknown, as with that project's key", async () => {
    const mine = await setup();
    const theirs = await setup({}, { campaignName: "their_updates" });
    const cookie = await sessionCookie(mine.sender);
    const result = await call("POST", SEND_PATH, {
      body: { ...withoutKey(mine), campaignName: theirs.campaignName },
      headers: { cookie, "sec-fetch-site": "same-origin" },
    });
    expectError(result, 400, "validation_failed", ["campaignName"]);
  });

  it("still needs a key or a session", async () => {
    const s = await setup();
    const result = await call("POST", SEND_PATH, { body: withoutKey(s) });
    expectError(result, 401, "unauthorized");
  });
});
