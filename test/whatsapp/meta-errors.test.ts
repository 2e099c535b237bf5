import { describe, expect, it } from "vitest";
import {
  ACCOUNT_CODES,
  classifyMetaError,
  classOfStatusError,
  networkError,
  PERMANENT_CODES,
  parseRetryAfter,
  RETRYABLE_CODES,
  timeoutError,
} from "../../src/whatsapp/errors";
import type { TemplateMessage } from "../../src/whatsapp/provider";
import {
  injectError,
  metaProvider,
  registerAccount,
  type StandInAccount,
  seedTemplate,
} from "../standin/standin.helpers";

const metaBody = (code: number, extra: Record<string, unknown> = {}) => ({
  error: {
    message: `(#${code}) Something`,
    type: "OAuthException",
    code,
    error_data: { messaging_product: "whatsapp", details: `details of ${code}` },
    fbtrace_id: "Az8or2yhqkZfEZ-_4Qn_Bam",
    ...extra,
  },
});

describe("classifyMetaError", () => {
  it.each([130429, 131056, 80007, 4, 131057, 1, 2, 131000, 131016, 133004])("classifies %i as retryable", (code) => {
    expect(classifyMetaError(400, metaBody(code))).toEqual({
      class: "retryable",
      code,
      title: `details of ${code}`,
      message: `(#${code}) Something`,
      httpStatus: 400,
    });
  });

  it.each([131050, 131047, 132000, 132001, 132012])("classifies %i as permanent", (code) => {
    expect(classifyMetaError(400, metaBody(code))).toEqual({
      class: "permanent",
      code,
      title: `details of ${code}`,
      message: `(#${code}) Something`,
      httpStatus: 400,
    });
  });

  it.each([132015, 132016])("classifies %i, a send of a paused or disabled template, as a template hold", (code) => {
    expect(classifyMetaError(400, metaBody(code))).toEqual({
      class: "template",
      code,
      title: `details of ${code}`,
      message: `(#${code}) Something`,
      httpStatus: 400,
    });
    // On a status webhook the same code fails a message Meta had accepted.
    expect(classOfStatusError(code)).toBe("permanent");
  });

  it("marks 131026 as not on WhatsApp", () => {
    expect(classifyMetaError(400, metaBody(131026))).toEqual({
      class: "permanent",
      code: 131026,
      title: "details of 131026",
      message: "(#131026) Something",
      httpStatus: 400,
      notOnWhatsApp: true,
    });
  });

  it("makes 131049 (marketing limit) permanent, with a day before that user may be tried again", () => {
    expect(classifyMetaError(400, metaBody(131049))).toEqual({
      class: "permanent",
      code: 131049,
      title: "details of 131049",
      message: "(#131049) Something",
      httpStatus: 400,
      retryAfterSeconds: 86400,
    });
  });

  it.each([190, 368, 131031, 131042, 131048])("classifies %i as an account problem", (code) => {
    expect(classifyMetaError(code === 190 ? 401 : 400, metaBody(code))).toMatchObject({ class: "account", code });
  });

  it("decides by Meta's code, not the HTTP status", () => {
    expect(classifyMetaError(500, metaBody(132001)).class).toBe("permanent");
    expect(classifyMetaError(400, metaBody(131000)).class).toBe("retryable");
    expect(classifyMetaError(503, metaBody(190)).class).toBe("account");
  });

  it("uses the HTTP status for unknown codes: 5xx retryable, other 4xx permanent", () => {
    expect(classifyMetaError(500, metaBody(99999))).toMatchObject({ class: "retryable", code: 99999 });
    // No Meta error body: a gateway answered, and Meta may have taken the request behind it.
    expect(classifyMetaError(502, undefined)).toEqual({
      class: "unknown",
      code: null,
      title: "Graph API error (HTTP 502)",
      message: "The Graph API answered HTTP 502 without an error body",
      httpStatus: 502,
    });
    expect(classifyMetaError(400, metaBody(100))).toMatchObject({ class: "permanent", code: 100 });
    expect(classifyMetaError(404, "<html>not found</html>")).toMatchObject({ class: "permanent", code: null });
    expect(classifyMetaError(429, {})).toMatchObject({ class: "retryable", code: null });
    expect(classifyMetaError(504, "<html>Gateway Timeout</html>")).toMatchObject({ class: "unknown", code: null });
    // A success status with an error body Meta never documents: it may have sent the message.
    expect(classifyMetaError(200, { error: {} })).toMatchObject({ class: "unknown" });
  });

  it("takes the title from error_data.details, else title, else type", () => {
    const base = { message: "m", type: "OAuthException", code: 131000 };
    expect(classifyMetaError(400, { error: { ...base, error_data: { details: "d" }, title: "t" } }).title).toBe("d");
    expect(classifyMetaError(400, { error: { ...base, title: "t" } }).title).toBe("t");
    expect(classifyMetaError(400, { error: base }).title).toBe("OAuthException");
    // Template endpoints sometimes send error_data as a plain string.
    expect(classifyMetaError(400, { error: { ...base, error_data: "as text" } }).title).toBe("as text");
  });

  it("honours Retry-After on retryable errors only", () => {
    expect(classifyMetaError(400, metaBody(130429), "30")).toMatchObject({ class: "retryable", retryAfterSeconds: 30 });
    expect(classifyMetaError(400, metaBody(132000), "30")).not.toHaveProperty("retryAfterSeconds");
    expect(classifyMetaError(400, metaBody(131049), "600")).toMatchObject({ retryAfterSeconds: 600 });
    expect(classifyMetaError(400, metaBody(130429), "soon")).not.toHaveProperty("retryAfterSeconds");
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("2026-03-01T10:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120);
    expect(parseRetryAfter("Sun, 01 Mar 2026 10:01:30 GMT", now)).toBe(90);
    expect(parseRetryAfter("Sun, 01 Mar 2026 09:00:00 GMT", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it("keeps the three code lists disjoint", () => {
    for (const code of RETRYABLE_CODES) {
      expect(PERMANENT_CODES.has(code) || ACCOUNT_CODES.has(code), String(code)).toBe(false);
    }
    for (const code of PERMANENT_CODES) expect(ACCOUNT_CODES.has(code), String(code)).toBe(false);
  });

  it("builds network and timeout errors without a code, whose outcome is unknown", () => {
    expect(networkError(new TypeError("Network connection lost."))).toEqual({
      class: "unknown",
      code: null,
      title: "Network error",
      message: "could not reach the Graph API: Network connection lost.",
      httpStatus: null,
    });
    expect(timeoutError(10_000)).toEqual({
      class: "unknown",
      code: null,
      title: "Timeout",
      message: "the Graph API did not answer within 10000 ms",
      httpStatus: null,
    });
  });
});

// The same classes, end to end: the stand-in answers with Meta's error bodies, the provider
// turns them into results and never throws.
describe("MetaProvider errors against the stand-in", () => {
  const message = (to = "+15551239999"): TemplateMessage => ({
    to,
    template: { name: "greeting", language: "en_US" },
    body: ["Ada"],
  });

  async function ready(): Promise<StandInAccount> {
    const account = await registerAccount();
    await seedTemplate(account, { name: "greeting", components: [{ type: "BODY", text: "Hi {{1}}" }] });
    return account;
  }

  it("retryable: 130429 throughput, with Meta's title and message", async () => {
    const account = await ready();
    await injectError(account, { code: 130429, mode: "always" });
    expect(await metaProvider(account).sendTemplate(message())).toEqual({
      ok: false,
      error: {
        class: "retryable",
        code: 130429,
        title: "Rate limit hit",
        message: "(#130429) Rate limit hit",
        httpStatus: 400,
      },
    });
  });

  it("retryable: a 500 with a code Meta never documented, and Retry-After honoured", async () => {
    const account = await ready();
    await injectError(account, { code: 99999, httpStatus: 500, mode: "always", retryAfter: 12 });
    expect(await metaProvider(account).sendTemplate(message())).toMatchObject({
      ok: false,
      error: { class: "retryable", code: 99999, httpStatus: 500, retryAfterSeconds: 12 },
    });
  });

  it("permanent: 131026 says the number is not on WhatsApp", async () => {
    const account = await ready();
    await injectError(account, { code: 131026, mode: "always", recipient: "+15550000000" });
    expect(await metaProvider(account).sendTemplate(message("+15550000000"))).toEqual({
      ok: false,
      error: {
        class: "permanent",
        code: 131026,
        title: "Message undeliverable",
        message: "(#131026) Message undeliverable",
        httpStatus: 400,
        notOnWhatsApp: true,
      },
    });
    // Only that recipient.
    expect((await metaProvider(account).sendTemplate(message("+15550000001"))).ok).toBe(true);
  });

  it("permanent: 132000 when the body parameters don't match the template", async () => {
    const account = await ready();
    const result = await metaProvider(account).sendTemplate({ ...message(), body: ["Ada", "extra"] });
    expect(result).toEqual({
      ok: false,
      error: {
        class: "permanent",
        code: 132000,
        title: "body: number of localizable_params (2) does not match the expected number of params (1)",
        message: "(#132000) Number of parameters does not match the expected number of params",
        httpStatus: 400,
      },
    });
  });

  it("permanent: 132001 for a template the account doesn't have", async () => {
    const account = await ready();
    const result = await metaProvider(account).sendTemplate({
      ...message(),
      template: { name: "nope", language: "en_US" },
    });
    expect(result).toMatchObject({ ok: false, error: { class: "permanent", code: 132001, httpStatus: 404 } });
  });

  it("account: 190 for an expired or wrong token", async () => {
    const account = await ready();
    const result = await metaProvider(account, { accessToken: "EAAT-expired" }).sendTemplate(message());
    expect(result).toEqual({
      ok: false,
      error: {
        class: "account",
        code: 190,
        title: "OAuthException",
        message: "Invalid OAuth access token - Cannot parse access token",
        httpStatus: 401,
      },
    });
  });

  it("account: 131031 for a locked business account, on template calls too", async () => {
    const account = await ready();
    await injectError(account, { code: 131031, mode: "always" });
    const provider = metaProvider(account);
    expect(await provider.sendTemplate(message())).toMatchObject({
      ok: false,
      error: { class: "account", code: 131031, title: "Business Account locked" },
    });
    expect(await provider.listTemplates()).toMatchObject({ ok: false, error: { class: "account", code: 131031 } });
  });

  it("timeout: a request that outlives timeoutMs has an unknown outcome, even if fetch ignores the signal", async () => {
    const account = await ready();
    const hangs: typeof fetch = () => new Promise<Response>(() => {});
    expect(await metaProvider(account, { fetch: hangs, timeoutMs: 5 }).sendTemplate(message())).toEqual({
      ok: false,
      error: timeoutError(5),
    });
    const honoursSignal: typeof fetch = (_input, init) =>
      new Promise<Response>((_, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)));
    expect(await metaProvider(account, { fetch: honoursSignal, timeoutMs: 5 }).listTemplates()).toEqual({
      ok: false,
      error: timeoutError(5),
    });
  });

  it("network: a failed connection has an unknown outcome and no code", async () => {
    const account = await ready();
    const broken: typeof fetch = async () => {
      throw new TypeError("Network connection lost.");
    };
    expect(
      await metaProvider(account, { fetch: broken }).createTemplate({
        name: "x",
        language: "en_US",
        category: "UTILITY",
        body: { text: "x" },
      }),
    ).toEqual({ ok: false, error: networkError(new TypeError("Network connection lost.")) });
  });

  it("a 200 without a wamid is not taken for a sent message, nor for a refused one", async () => {
    const account = await ready();
    const odd: typeof fetch = async () => new Response(JSON.stringify({ messaging_product: "whatsapp" }));
    expect(await metaProvider(account, { fetch: odd }).sendTemplate(message())).toEqual({
      ok: false,
      error: {
        class: "unknown",
        code: null,
        title: "Unexpected response",
        message: "the Graph API answered 200 without messages[0].id",
        httpStatus: 200,
      },
    });
  });
});
