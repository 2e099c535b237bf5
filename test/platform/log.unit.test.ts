import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { createLogger } from "../../src/platform/log";
import { maskNumber } from "../../src/platform/phone";

let out: { log: MockInstance; warn: MockInstance; error: MockInstance };

beforeEach(() => {
  out = {
    log: vi.spyOn(console, "log").mockImplementation(() => {}),
    warn: vi.spyOn(console, "warn").mockImplementation(() => {}),
    error: vi.spyOn(console, "error").mockImplementation(() => {}),
  };
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** Every line written, parsed, across console.log/warn/error. */
function lines(): Record<string, unknown>[] {
  return [out.log, out.warn, out.error].flatMap((spy) => spy.mock.calls.map((call) => JSON.parse(call[0] as string)));
}

function only(): Record<string, unknown> {
  const written = lines();
  expect(written).toHaveLength(1);
  return written[0] as Record<string, unknown>;
}

describe("log: shape and levels", () => {
  it("writes one JSON line with level, msg, base and call fields, and an ISO time", () => {
    createLogger({ requestId: "req-1" }).info("request", { method: "GET", status: 200 });
    expect(out.log).toHaveBeenCalledTimes(1);
    const raw = out.log.mock.calls[0]?.[0] as string;
    expect(raw).not.toContain("\n");
    expect(JSON.parse(raw)).toEqual({
      level: "info",
      msg: "request",
      requestId: "req-1",
      method: "GET",
      status: 200,
      time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
    });
  });

  it("routes warn to console.warn and error to console.error", () => {
    const log = createLogger();
    log.warn("careful");
    log.error("broken");
    expect(out.warn).toHaveBeenCalledTimes(1);
    expect(out.error).toHaveBeenCalledTimes(1);
    expect(out.log).not.toHaveBeenCalled();
    expect(JSON.parse(out.warn.mock.calls[0]?.[0] as string)).toMatchObject({ level: "warn", msg: "careful" });
    expect(JSON.parse(out.error.mock.calls[0]?.[0] as string)).toMatchObject({ level: "error", msg: "broken" });
  });

  it("drops lines below the minimum level", () => {
    const log = createLogger({}, "warn");
    log.debug("d");
    log.info("i");
    log.warn("w");
    log.error("e");
    expect(lines().map((l) => l.level)).toEqual(["warn", "error"]);
  });

  it("defaults to info, dropping debug", () => {
    const log = createLogger();
    log.debug("d");
    log.info("i");
    expect(lines().map((l) => l.msg)).toEqual(["i"]);
  });

  it("lets call fields override base fields, but never level, msg or time", () => {
    createLogger({ queue: "base" }).info("m", { queue: "call", level: "fake", msg: "fake", time: "fake" });
    const line = only();
    expect(line.queue).toBe("call");
    expect(line.level).toBe("info");
    expect(line.msg).toBe("m");
    expect(line.time).toMatch(/^\d{4}-/);
    expect(Object.keys(line).slice(0, 2)).toEqual(["level", "msg"]);
  });
});

describe("log: secrets", () => {
  it.each([
    "apiKey",
    "api_key",
    "APIKEY",
    "key",
    "authorization",
    "Authorization",
    "password",
    "token",
    "adminToken",
    "ADMIN_TOKEN",
    "accessToken",
    "secret",
    "clientSecret",
    "webhook_secret",
  ])("redacts a field named %s", (name) => {
    createLogger().info("m", { [name]: "wak_supersecretvalue" });
    const line = only();
    expect(line[name]).toBe("[redacted]");
    expect(JSON.stringify(line)).not.toContain("supersecret");
  });

  it("redacts secrets in base fields, nested objects and arrays", () => {
    createLogger({ authorization: "Bearer abc" }).warn("m", {
      request: { headers: { authorization: "Bearer xyz", accept: "json" } },
      keys: [{ id: "key_1", apiKey: "wak_one" }],
    });
    expect(only()).toMatchObject({
      authorization: "[redacted]",
      request: { headers: { authorization: "[redacted]", accept: "json" } },
      keys: [{ id: "key_1", apiKey: "[redacted]" }],
    });
  });

  it("redacts a secret-named field whatever its value", () => {
    createLogger().info("m", { token: { nested: "value" }, secret: 12345, password: null });
    expect(only()).toMatchObject({ token: "[redacted]", secret: "[redacted]", password: "[redacted]" });
  });

  it("redacts secrets however deeply they are nested", () => {
    createLogger().info("m", { a: { b: { c: { d: { e: { f: { token: "deep-secret-value" } } } } } } });
    const line = only();
    expect(JSON.stringify(line)).not.toContain("deep-secret-value");
    expect(line).toMatchObject({ a: { b: { c: { d: { e: "[too deep]" } } } } });
  });

  it("keeps fields whose names only resemble secret names", () => {
    createLogger().info("m", { keyId: "key_0195a3f2b4c1d2e3f4a5b6c7", keys: 3, monkey: "banana", hash: "ab12" });
    expect(only()).toMatchObject({ keyId: "key_0195a3f2b4c1d2e3f4a5b6c7", keys: 3, monkey: "banana", hash: "ab12" });
  });
});

describe("log: phone numbers and ids", () => {
  it("shortens phone numbers in fields, messages inside strings, arrays and errors", () => {
    createLogger().info("m", {
      to: "+917428526285",
      local: "7428526285",
      note: "retrying 917428526285 later",
      list: ["+14155550123"],
      err: new Error("send to +917428526285 failed"),
    });
    expect(only()).toMatchObject({
      to: "+91…85",
      local: "742…85",
      note: "retrying 917…85 later",
      list: ["+14…23"],
      err: { name: "Error", message: "send to +91…85 failed" },
    });
    expect(JSON.stringify(lines())).not.toMatch(/7428526285|4155550123/);
  });

  it("shortens a phone number in the message itself", () => {
    createLogger().info("no consumer for +917428526285");
    expect(only().msg).toBe("no consumer for +91…85");
  });

  it("does not mangle ids, UUIDs, timestamps or short numbers", () => {
    const fields = {
      projectId: "prj_0195a3f2b4c1123456789abc",
      keyId: "key_000001234567890123456789",
      requestId: "12345678-1234-4234-8234-123456789012",
      wamid: "wamid.HBgMOTE3NDI4NTI2Mjg1FQIAERgSMjM0NTY3ODkwMTIzNDU2Nzg5AA==",
      at: "2026-11-01T10:20:30.456Z",
      route: "/v1/contacts/:number",
      count: "123456",
      ms: 1761993630456,
    };
    createLogger().info("m", fields);
    expect(only()).toMatchObject(fields);
  });
});

describe("maskNumber", () => {
  it.each([
    ["+917428526285", "+91******6285"],
    ["+14155550123", "+1******0123"],
    ["+4930123456", "+49****3456"],
    ["+12345678", "+1***5678"],
  ])("masks %s as %s", (input, masked) => {
    expect(maskNumber(input)).toBe(masked);
    expect(maskNumber(input)).toHaveLength(input.length);
  });

  it.each(["+123456", "+1234", "", "1234567"])("hides a number of 7 characters or fewer (%s) entirely", (input) => {
    expect(maskNumber(input)).toBe("***");
  });
});
